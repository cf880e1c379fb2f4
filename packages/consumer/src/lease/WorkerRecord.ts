/**
 * A worker's own item in the lease table (kinesis-kit only, `entityType` `KK_WORKER`): its presence — so a worker
 * holding no lease yet counts for balancing — and its load. Written by the worker itself, never by another.
 */
export interface WorkerRecord {
  readonly workerId: string;
  /** Bumped by every write of the worker: others judge its liveness by watching it move, by their own clocks. */
  readonly counter: number;
  /** The worker is stopping: it takes nothing, and nobody hands it anything. */
  readonly leaving: boolean;
  /** Event-loop utilization, 0..1, over the last report interval (undefined when not measured). */
  readonly utilization?: number;
  /** Process CPU time per second of wall time per core, 0..1, over the last report interval. */
  readonly cpu?: number;
  /** KB/s its processors consumed over its leases (the sum of their `throughputKBps`). */
  readonly throughputKBps?: number;
  /** Leases it held when it wrote the item. */
  readonly leaseCount?: number;
  /** Its wall clock when it wrote the item (for operators only: no worker trusts another's clock). */
  readonly reportedAt?: number;
}

/** What a worker writes about itself (the counter is bumped by the write). */
export type WorkerReport = Omit<WorkerRecord, 'counter'>;
