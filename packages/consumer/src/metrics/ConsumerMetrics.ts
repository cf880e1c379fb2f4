import type { Clock } from '@kinesis-kit/commons';
import type { ShardRunnerState } from '../runner/states.js';

/** Per-shard figures in a {@link ConsumerMetricsSnapshot}. */
export interface ShardMetrics {
  state: ShardRunnerState;
  recordsProcessed: number;
  /** As the last GetRecords reported it. */
  millisBehindLatest: number | undefined;
  /** now − arrival time of the last processed record ("iterator age" of the last batch). */
  lastRecordAgeMs: number | undefined;
}

/** A point-in-time view of what the worker did: `consumer.metrics()`. */
export interface ConsumerMetricsSnapshot {
  /** Records delivered to the processor (successfully processed batches) since start. */
  recordsProcessed: number;
  /** Over the window since the previous snapshot (or since start). */
  recordsPerSecond: number;
  batchesProcessed: number;
  shards: Record<string, ShardMetrics>;
}

/** Counters the runners bump (O(1) per batch, nothing per record) and the snapshot built from them. */
export class ConsumerMetrics {
  readonly #clock: Clock;
  readonly #shards = new Map<string, ShardMetrics & { lastArrival: Date | undefined }>();
  #records = 0;
  #batches = 0;
  #windowStart: number;
  #windowRecords = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#windowStart = clock.now();
  }

  #shard(shardId: string) {
    let shard = this.#shards.get(shardId);
    if (shard === undefined) {
      shard = {
        state: 'WAITING_ON_PARENTS',
        recordsProcessed: 0,
        millisBehindLatest: undefined,
        lastRecordAgeMs: undefined,
        lastArrival: undefined,
      };
      this.#shards.set(shardId, shard);
    }
    return shard;
  }

  shardState(shardId: string, state: ShardRunnerState): void {
    this.#shard(shardId).state = state;
  }

  batch(shardId: string, count: number, millisBehindLatest: number | undefined, lastArrival: Date | undefined): void {
    const shard = this.#shard(shardId);
    shard.millisBehindLatest = millisBehindLatest;
    if (count === 0) return;
    shard.recordsProcessed += count;
    if (lastArrival !== undefined) shard.lastArrival = lastArrival;
    this.#records += count;
    this.#windowRecords += count;
    this.#batches++;
  }

  /** Forgets a shard this worker no longer runs. */
  remove(shardId: string): void {
    this.#shards.delete(shardId);
  }

  snapshot(): ConsumerMetricsSnapshot {
    const now = this.#clock.now();
    const elapsed = Math.max(1, now - this.#windowStart);
    const recordsPerSecond = (this.#windowRecords * 1000) / elapsed;
    this.#windowStart = now;
    this.#windowRecords = 0;
    const shards: Record<string, ShardMetrics> = {};
    for (const [shardId, s] of this.#shards) {
      shards[shardId] = {
        state: s.state,
        recordsProcessed: s.recordsProcessed,
        millisBehindLatest: s.millisBehindLatest,
        // Arrival times are the service's wall clock: compare with ours, not with the monotonic clock.
        lastRecordAgeMs: s.lastArrival === undefined ? undefined : Math.max(0, Date.now() - s.lastArrival.getTime()),
      };
    }
    return { recordsProcessed: this.#records, recordsPerSecond, batchesProcessed: this.#batches, shards };
  }
}
