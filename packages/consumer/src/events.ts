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
 * The consumer's instrumentation events, one payload type per name. Subscribe with `consumer.on(name, listener)`;
 * `on()` returns an unsubscribe function. Payloads are built only when someone listens.
 */
export interface ConsumerEvents {
  /** The worker started: leases are being taken. */
  'consumer.started': { workerId: string };
  /** `stop()` finished: every shard shut down, leases handed over to named successors or released. */
  'consumer.stopped': { workerId: string; durationMs: number; leasesHandedOver: number; leasesReleased: number };
  /** This worker now holds the shard's lease; a runner starts for it. */
  'consumer.lease_gained': { shardId: string };
  /**
   * The lease was lost: `taken` by another worker, `expired` (no renewal succeeded for `failoverTimeMs`), or
   * `deleted`; no further record of the shard is delivered here.
   */
  'consumer.lease_lost': { shardId: string; reason?: LeaseLostReason };
  /** A taking cycle took leases: unowned or expired ones, or `stolen` from a busier worker to balance. */
  'consumer.leases_taken': { shardIds: string[]; stolen: number; target: number; liveWorkers: number };
  /** A lease this worker gave up gracefully while stopping: handed to a named successor (`to`), or released. */
  'consumer.lease_handoff': { shardId: string; outcome: 'transferred' | 'released'; to?: string };
  /** A shard sync (ListShards → leases) created or removed leases. */
  'consumer.shard_sync': { shardCount: number; created: string[]; removed: string[] };
  /** A shard runner changed state. */
  'consumer.shard_state': { shardId: string; from: ShardRunnerState; to: ShardRunnerState; reason?: ShutdownReason };
  /** A batch was handed to the processor and it returned. */
  'consumer.batch_processed': {
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
  'consumer.checkpoint': { shardId: string; sequenceNumber: string; subSequenceNumber: number };
  /** A checkpoint write failed (lease lost, throttling…); the caller's `checkpoint()` rejected with `error`. */
  'consumer.checkpoint_failed': { shardId: string; error: unknown };
  /** The processor threw. `action` says what the worker does about it. */
  'consumer.processor_error': {
    shardId: string;
    error: unknown;
    attempt: number;
    action: ProcessorErrorAction;
    recordCount: number;
    retryInMs?: number;
  };
  /** A GetShardIterator/GetRecords call failed; the fetcher retries after `retryInMs`. */
  'consumer.fetch_error': { shardId: string; error: unknown; attempt: number; retryInMs: number };
  /** The shard iterator expired; a fresh one was requested from the last fetched position. */
  'consumer.iterator_expired': { shardId: string };
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
  };
  /** The shard was read to its end and checkpointed `SHARD_END`; its children can start. */
  'consumer.shard_ended': { shardId: string; childShardIds: string[] };
  /** Per fetch: how far behind the tip this shard's reader is. */
  'consumer.lag': { shardId: string; millisBehindLatest: number | undefined; recordCount: number };
  /** A background failure the worker recovers from (lease layer, shard end bookkeeping, …). */
  'consumer.error': { shardId?: string; error: unknown; context: string };
}
