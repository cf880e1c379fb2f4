import type { Logger } from '@kinesis-kit/commons';
import { createWorkerLoadSampler, type WorkerLoadSample } from '../balancing/workerLoad.js';
import type { LeaseTable } from './LeaseTable.js';

export interface WorkerPresenceOptions {
  leaseTable: LeaseTable;
  workerId: string;
  /** How often the item is written while the worker holds leases (its renewals prove it alive meanwhile). */
  metricsIntervalMs: number;
  /** How often the item is written while the worker holds none (its only proof of life). */
  idleIntervalMs: number;
  sampler: (() => WorkerLoadSample) | undefined;
  logger: Logger;
  /** The leases held now, and their smoothed throughputs. */
  held: { readonly size: number; throughputs(): ReadonlyMap<string, number> };
}

/**
 * This worker's own item in the lease table: written at start (so a worker that holds nothing yet counts for
 * balancing from its first scan), then every `idleIntervalMs` while it holds no lease, or every `metricsIntervalMs`
 * with its load; marked `leaving` when it stops, deleted at the end.
 */
export class WorkerPresence {
  readonly #o: WorkerPresenceOptions;
  readonly #sample: () => WorkerLoadSample;

  constructor(options: WorkerPresenceOptions) {
    this.#o = options;
    this.#sample = options.sampler ?? createWorkerLoadSampler();
  }

  /** Writes the item (one request). Never throws: presence is best effort, the leases are what count. */
  async report(leaving = false): Promise<void> {
    const count = this.#o.held.size;
    const throughputs = [...this.#o.held.throughputs().values()];
    const throughputKBps = throughputs.length === 0 ? undefined : throughputs.reduce((a, b) => a + b, 0);
    const load = this.#sample();
    try {
      await this.#o.leaseTable.putWorker({
        workerId: this.#o.workerId,
        leaving,
        leaseCount: count,
        reportedAt: Date.now(),
        ...(load.utilization === undefined ? {} : { utilization: load.utilization }),
        ...(load.cpu === undefined ? {} : { cpu: load.cpu }),
        ...(throughputKBps === undefined ? {} : { throughputKBps }),
      });
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'could not write this worker’s item; retrying later');
    }
  }

  /** Delay until the next report. */
  nextDelayMs(): number {
    return this.#o.held.size === 0 ? this.#o.idleIntervalMs : this.#o.metricsIntervalMs;
  }

  /** Deletes the item (a graceful stop). Never throws: a stale item is ignored once it stops moving. */
  async remove(): Promise<void> {
    try {
      await this.#o.leaseTable.deleteWorker(this.#o.workerId);
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'could not delete this worker’s item');
    }
  }
}
