import { backoffDelay, type Logger, type TimerHandle } from '@kinesis-kit/commons';
import type { SyncResult } from '../shardSync/ShardSyncer.js';
import type { Lease } from './Lease.js';
import type { LeaseCoordinatorEvents } from './LeaseCoordinatorEvents.js';
import type { RenewResult } from './LeaseRenewer.js';
import type { TakeResult } from './LeaseTaker.js';
import type { ResolvedLeaseCoordinatorOptions } from './leaseCoordinatorOptions.js';
import { nextScanDelayMs, type ScanPeriods, scanPeriods } from './takingSchedule.js';

/** Share of the KCL-equivalent request budget left after renewals that scans may use (the rest is margin). */
const SCAN_BUDGET_SHARE = 0.9;
/** The first retry of a failed shard sync comes within this long. */
const SYNC_RETRY_BASE_MS = 1_000;

type LoopName = 'renew' | 'take' | 'sync' | 'presence' | 'streams';

export interface LeaseLoopsOptions {
  options: ResolvedLeaseCoordinatorOptions;
  logger: Logger;
  /** The coordinator is running: steps run and reschedule only then. */
  running: () => boolean;
  /** The worker is leaving (`prepareHandoff`): only renewals reschedule. */
  leaving: () => boolean;
  /** The last taking cycle's result: it sets the scan schedule and the shard sync leader. */
  lastTake: () => TakeResult | undefined;
  renew: () => Promise<RenewResult>;
  take: () => Promise<TakeResult>;
  sync: (knownLeases?: readonly Lease[]) => Promise<SyncResult>;
  /** Re-reads the streams (multi-stream), on every worker. */
  refreshStreams: () => Promise<void>;
  /** Writes this worker's own item (never throws), and when to write it next. */
  report: () => Promise<void>;
  reportDelayMs: () => number;
  onError: (error: LeaseCoordinatorEvents['error']) => void;
}

/**
 * The coordinator's background loops: each repeats one step (renewal, taking, shard sync) on a timer, at the
 * delay the step's outcome asks for. Taking follows the adaptive scan period (docs/leases.md, `takingSchedule.ts`).
 */
export class LeaseLoops {
  readonly #l: LeaseLoopsOptions;
  readonly #o: ResolvedLeaseCoordinatorOptions;
  readonly #timers = new Map<LoopName, TimerHandle>();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Shard syncs failed in a row (their retries back off from SYNC_RETRY_BASE_MS up to the sync period). */
  #syncFailures = 0;

  constructor(options: LeaseLoopsOptions) {
    this.#l = options;
    this.#o = options.options;
  }

  start(): void {
    this.#schedule('renew', this.#o.renewalIntervalMs, () => this.#renewStep());
    this.#schedule('take', this.#nextTakeDelay(), () => this.#takeStep());
    if (this.#o.shardSyncer !== undefined) {
      this.#schedule('sync', this.#jitter(this.#o.shardSyncIntervalMs), () => this.#syncStep());
    }
    const refreshMs = this.#o.shardSyncer?.refreshIntervalMs;
    if (refreshMs !== undefined) {
      this.#schedule('streams', this.#jitter(refreshMs), async () => {
        try {
          await this.#l.refreshStreams();
        } catch (error) {
          this.#l.logger.warn({ err: error }, 'reading the streams failed');
          this.#l.onError({ error, context: 'shard_sync' });
        }
        return this.#jitter(refreshMs);
      });
    }
    this.#schedule('presence', this.#l.reportDelayMs(), async () => {
      await this.#l.report();
      return this.#l.reportDelayMs();
    });
  }

  /** Cancels the pending steps of these loops (all by default); running steps finish (see `settled`). */
  cancel(names: readonly LoopName[] = [...this.#timers.keys()]): void {
    for (const name of names) {
      this.#timers.get(name)?.cancel();
      this.#timers.delete(name);
    }
  }

  /** Resolves once the steps running now have finished. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.#inFlight]);
  }

  /** The fleet's and this worker's scan periods, as the last scan `last` sets them. */
  scanPeriods(last: TakeResult | undefined): ScanPeriods {
    const o = this.#o;
    return scanPeriods({
      activeLeases: last?.activeLeaseCount ?? 0,
      liveWorkers: last?.liveWorkers.length ?? 1,
      failoverTimeMs: o.failoverTimeMs,
      renewalIntervalMs: o.renewalIntervalMs,
      takingIntervalMs: o.takingIntervalMs,
      maxTakingIntervalMs: o.maxTakingIntervalMs,
      scanBudgetShare: SCAN_BUDGET_SHARE,
      maxLeasesForWorker: o.maxLeasesForWorker,
      workerMetricsIntervalMs: o.workerMetricsIntervalMs,
    });
  }

  async #renewStep(): Promise<number> {
    try {
      const result = await this.#l.renew();
      if (result.failed.length > 0) return Math.max(50, Math.floor(this.#o.failoverTimeMs / 20));
    } catch (error) {
      this.#l.onError({ error, context: 'renew' });
      return Math.max(50, Math.floor(this.#o.failoverTimeMs / 20));
    }
    return this.#o.renewalIntervalMs;
  }

  async #takeStep(): Promise<number> {
    try {
      await this.#l.take();
    } catch (error) {
      this.#l.logger.warn({ err: error }, 'taking cycle failed');
      this.#l.onError({ error, context: 'take' });
    }
    return this.#nextTakeDelay();
  }

  async #syncStep(): Promise<number> {
    if (this.#isSyncLeader()) {
      try {
        await this.#l.sync(this.#l.lastTake()?.leases);
        this.#syncFailures = 0;
      } catch (error) {
        this.#l.logger.warn({ err: error }, 'shard sync failed');
        this.#l.onError({ error, context: 'shard_sync' });
        // Sooner than the next period: the leases of new shards (a stream just added, children nobody created at
        // their parent's end) would otherwise wait a whole shardSyncIntervalMs after one throttled moment.
        this.#syncFailures++;
        return backoffDelay(
          this.#syncFailures,
          { baseDelayMs: SYNC_RETRY_BASE_MS, maxDelayMs: this.#o.shardSyncIntervalMs },
          this.#o.random,
        );
      }
    }
    return this.#jitter(this.#o.shardSyncIntervalMs);
  }

  /** The lowest live worker id syncs shards periodically, so a fleet does not hammer ListShards together. */
  #isSyncLeader(): boolean {
    const last = this.#l.lastTake();
    return last === undefined || last.liveWorkers[0] === this.#o.workerId;
  }

  #nextTakeDelay(): number {
    const last = this.#l.lastTake();
    const periods = this.scanPeriods(last);
    return nextScanDelayMs({
      // Until the fleet settles (a plan left leases to take or move), every worker looks again sooner.
      workerPeriodMs: last === undefined || last.settled ? periods.workerPeriodMs : periods.unsettledPeriodMs,
      liveWorkers: last?.liveWorkers ?? [this.#o.workerId],
      workerId: this.#o.workerId,
      now: this.#o.clock.now(),
      nextExpiryAt: last?.nextExpiryAt,
    });
  }

  #jitter(ms: number): number {
    return Math.round(ms * (0.9 + 0.2 * this.#o.random()));
  }

  #schedule(name: LoopName, delayMs: number, step: () => Promise<number>): void {
    if (!this.#l.running() || (this.#l.leaving() && name !== 'renew')) return;
    const timer = this.#o.clock.setTimeout(() => {
      this.#timers.delete(name);
      if (!this.#l.running()) return;
      const running = step();
      this.#inFlight.add(running);
      running
        .then((next) => this.#schedule(name, next, step))
        .finally(() => this.#inFlight.delete(running))
        .catch(() => undefined);
    }, delayMs);
    this.#timers.set(name, timer);
  }
}
