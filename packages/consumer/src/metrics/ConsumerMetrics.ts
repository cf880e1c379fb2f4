import type { Clock, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../events.js';
import type { ShardRunnerState } from '../runner/states.js';
import { RateWindow } from './RateWindow.js';

/** Per-shard figures in a {@link ConsumerMetricsSnapshot}. */
export interface ShardMetrics {
  state: ShardRunnerState;
  recordsProcessed: number;
  /** As the last GetRecords reported it. */
  millisBehindLatest: number | undefined;
  /** now − arrival time of the last processed record ("iterator age" of the last batch). */
  lastRecordAgeMs: number | undefined;
}

/**
 * A point-in-time view of what the worker did: `consumer.metrics()`. Counters are totals since the consumer was
 * created; reading never resets anything, so any number of readers (a health check, a dashboard, a test) can poll it.
 */
export interface ConsumerMetricsSnapshot {
  /** Records delivered to the processor (successfully processed batches) since start. */
  recordsProcessed: number;
  /** Over the trailing 60 s (or since start, if shorter). Unaffected by other readers. */
  recordsPerSecond: number;
  batchesProcessed: number;
  /** The largest `millisBehindLatest` over the shards this worker holds: how far behind the stream is here. */
  maxMillisBehindLatest: number | undefined;
  /** Times the processor threw (each attempt of a retried batch counts). */
  processorErrors: number;
  /** Failed GetShardIterator / GetRecords / SubscribeToShard calls. */
  fetchErrors: number;
  /** Leases this worker lost. */
  lostLeases: number;
  /** Checkpoint writes that failed (automatic or yours). */
  checkpointFailures: number;
  shards: Record<string, ShardMetrics>;
}

type ShardEntry = ShardMetrics & { lastArrival: Date | undefined };

/**
 * Cumulative counters behind `consumer.metrics()`: the runners bump them (O(1) per batch, nothing per record), and
 * the rare failure events are counted by {@link ConsumerMetrics.watch}. Published metrics (sinks) are the
 * {@link ConsumerMetricsRecorder}'s job.
 */
export class ConsumerMetrics {
  readonly #clock: Clock;
  readonly #shards = new Map<string, ShardEntry>();
  readonly #rate: RateWindow;
  #records = 0;
  #batches = 0;
  #processorErrors = 0;
  #fetchErrors = 0;
  #lostLeases = 0;
  #checkpointFailures = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#rate = new RateWindow(clock.now());
  }

  /** Counts the failure events of `events` (rare: costs nothing on the data path). Returns the unsubscribe. */
  watch(events: TypedEmitter<ConsumerEvents>): () => void {
    const off = [
      events.on('consumer.processor_error', () => void this.#processorErrors++),
      events.on('consumer.fetch_error', () => void this.#fetchErrors++),
      events.on('consumer.lease_lost', () => void this.#lostLeases++),
      events.on('consumer.checkpoint_failed', () => void this.#checkpointFailures++),
      events.on('consumer.error', ({ context }) => {
        if (context === 'auto_checkpoint') this.#checkpointFailures++;
      }),
    ];
    return () => {
      for (const unsubscribe of off) unsubscribe();
    };
  }

  #shard(shardId: string): ShardEntry {
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
    this.#batches++;
    this.#rate.add(this.#clock.now(), count);
  }

  /** Forgets a shard this worker no longer runs. */
  remove(shardId: string): void {
    this.#shards.delete(shardId);
  }

  /** Shards this worker runs now (the KCL's CurrentLeases, as the runners see it). */
  get shardCount(): number {
    return this.#shards.size;
  }

  /** The largest `millisBehindLatest` over the shards held. */
  get maxMillisBehindLatest(): number | undefined {
    let max: number | undefined;
    for (const shard of this.#shards.values()) {
      const lag = shard.millisBehindLatest;
      if (lag !== undefined && (max === undefined || lag > max)) max = lag;
    }
    return max;
  }

  snapshot(): ConsumerMetricsSnapshot {
    const now = this.#clock.now();
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
    return {
      recordsProcessed: this.#records,
      recordsPerSecond: this.#rate.perSecond(now),
      batchesProcessed: this.#batches,
      maxMillisBehindLatest: this.maxMillisBehindLatest,
      processorErrors: this.#processorErrors,
      fetchErrors: this.#fetchErrors,
      lostLeases: this.#lostLeases,
      checkpointFailures: this.#checkpointFailures,
      shards,
    };
  }
}
