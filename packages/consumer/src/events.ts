import type { LeaseLostReason } from './lease/LeaseRenewer.js';
import type { ShardRunnerState, ShutdownReason } from './runner/states.js';

/** What the worker does when a processor's `processRecords` (or handler) throws. */
export const ProcessorErrorAction = {
  /** Retry the same batch with backoff; the shard does not advance (default). */
  RETRY: 'retry',
  /** Emit `consumer.processor_error` with `action: 'skip'` and move on to the next batch. */
  SKIP: 'skip',
  /** Stop this shard's processing on this worker (the lease stays held; see docs/consumer.md). */
  STOP_SHARD: 'stop_shard',
} as const;
export type ProcessorErrorAction = (typeof ProcessorErrorAction)[keyof typeof ProcessorErrorAction];

/**
 * Which stream a per-shard event is about, when the consumer reads several (`streams`): absent otherwise. `streamId`
 * is the KCL's stream identifier (`account:streamName:creationEpoch`, its `StreamId` metrics dimension).
 */
export interface StreamTag {
  streamName?: string;
  streamId?: string;
}

/**
 * The consumer's instrumentation events, one payload type per name. Subscribe with `consumer.on(name, listener)`;
 * `on()` returns an unsubscribe function. Payloads are built only when someone listens.
 */
export interface ConsumerEvents {
  /** The worker started: leases are being taken. */
  'consumer.started': { workerId: string };
  /** `stop()` finished: every shard shut down, leases handed over to named successors or released. */
  'consumer.stopped': { workerId: string; durationMs: number; leasesHandedOver: number; leasesReleased: number };
  /** This worker now holds the shard's lease; a runner starts for it. */
  'consumer.lease_gained': { shardId: string } & StreamTag;
  /**
   * The lease was lost: `taken` by another worker, `expired` (no renewal succeeded for `failoverTimeMs`), or
   * `deleted`; no further record of the shard is delivered here.
   */
  'consumer.lease_lost': { shardId: string; reason?: LeaseLostReason } & StreamTag;
  /**
   * A taking cycle took leases (unowned or expired ones: `shardIds`, lease keys), or asked `stolen` busier workers
   * to hand leases over (balancing moves: those arrive as `consumer.lease_gained` once transferred).
   */
  'consumer.leases_taken': { shardIds: string[]; stolen: number; target: number; liveWorkers: number };
  /**
   * A lease this worker gave up gracefully — while stopping, for a balancing move another worker asked for, or
   * because its stream is no longer read: handed to a named successor (`to`), or released. `shardId` is the lease's
   * key (`stream:shardId` in a multi-stream table).
   */
  'consumer.lease_handoff': {
    shardId: string;
    outcome: 'transferred' | 'released';
    to?: string;
    /** This worker is stopping, another asked for the lease (a balancing move), or a plain release. */
    reason: 'stop' | 'move' | 'release';
  };
  /** A shard sync (ListShards → leases) created or removed leases. */
  'consumer.shard_sync': { shardCount: number; created: string[]; removed: string[] };
  /** A shard runner changed state. */
  'consumer.shard_state': {
    shardId: string;
    from: ShardRunnerState;
    to: ShardRunnerState;
    reason?: ShutdownReason;
  } & StreamTag;
  /** A batch was handed to the processor and it returned. */
  'consumer.batch_processed': StreamTag & {
    shardId: string;
    recordCount: number;
    millisBehindLatest: number | undefined;
    durationMs: number;
    /** User records dropped because their hash key is outside the shard's range (re-routed by resharding). */
    discardedByHashKeyRange: number;
    /** Data bytes of the batch's records (the KCL's DataBytesProcessed); summed only when someone listens. */
    dataBytes: number;
  };
  /** A checkpoint was written. `sequenceNumber` may be the sentinel `SHARD_END`. */
  'consumer.checkpoint': { shardId: string; sequenceNumber: string; subSequenceNumber: number } & StreamTag;
  /** A checkpoint write failed (lease lost, throttling…); the caller's `checkpoint()` rejected with `error`. */
  'consumer.checkpoint_failed': { shardId: string; error: unknown } & StreamTag;
  /** The processor threw. `action` says what the worker does about it. */
  'consumer.processor_error': StreamTag & {
    shardId: string;
    error: unknown;
    attempt: number;
    action: ProcessorErrorAction;
    recordCount: number;
    retryInMs?: number;
  };
  /** A GetShardIterator/GetRecords call failed; the fetcher retries after `retryInMs`. */
  'consumer.fetch_error': { shardId: string; error: unknown; attempt: number; retryInMs: number } & StreamTag;
  /** The shard iterator expired; a fresh one was requested from the last fetched position. */
  'consumer.iterator_expired': { shardId: string } & StreamTag;
  /**
   * `stuck: true`: the shard has made no progress for `stuckShardThresholdMs` although it is behind (or no read has
   * succeeded): a processor failing over and over, reads failing. Emitted once per episode, with a warning; then
   * `stuck: false` when it moves again.
   */
  'consumer.shard_stuck': {
    shardId: string;
    stuck: boolean;
    stuckForMs: number;
    millisBehindLatest: number | undefined;
  } & StreamTag;
  /** The shard was read to its end and checkpointed `SHARD_END`; its children can start. */
  'consumer.shard_ended': { shardId: string; childShardIds: string[] } & StreamTag;
  /** Per fetch: how far behind the tip this shard's reader is. */
  'consumer.lag': { shardId: string; millisBehindLatest: number | undefined; recordCount: number } & StreamTag;
  /** A background failure the worker recovers from (lease layer, shard end bookkeeping, …). */
  'consumer.error': { shardId?: string; error: unknown; context: string } & StreamTag;
}
