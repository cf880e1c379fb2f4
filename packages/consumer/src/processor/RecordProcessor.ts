import type { RecordCheckpointer } from '../checkpoint/RecordCheckpointer.js';
import type { ConsumerRecord } from '../fetch/RecordsFetcher.js';
import type { ExtendedSequenceNumber } from '../sequence/ExtendedSequenceNumber.js';

/**
 * A Kinesis position: a sequence number and, inside a KPL aggregate, the user record's index (else 0); or a sentinel
 * (`TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP`, `SHARD_END`) in `sequenceNumber`. The same type as the lease layer's
 * {@link ExtendedSequenceNumber} (one definition: `sequence/ExtendedSequenceNumber.ts`).
 */
export type Position = ExtendedSequenceNumber;

/** Input of {@link RecordProcessor.initialize}. */
export interface InitializeInput {
  shardId: string;
  /** The lease's checkpoint: a position, or a sentinel (`TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP`) in `sequenceNumber`. */
  startingPosition: Position;
}

/** Input of {@link RecordProcessor.processRecords}. */
export interface ProcessRecordsInput {
  shardId: string;
  /** User records in sequence order (KPL aggregates already unpacked). Never empty. */
  records: readonly ConsumerRecord[];
  /** Checkpoints within what has been delivered to this processor. */
  checkpointer: RecordCheckpointer;
  /** How far the read position is behind the tip of the shard, as GetRecords reports it. */
  millisBehindLatest: number | undefined;
  /**
   * Aborted when the worker stops (`stop()`) or loses the lease while this batch is being processed. Returning
   * means "the whole batch is processed". To stop in the middle instead, checkpoint the last record you processed
   * (`checkpointer.checkpoint(record)`) and throw (e.g. `signal.throwIfAborted()`): the rest is delivered again to
   * the next owner. Ignoring it is fine too: the worker waits for the call, up to `stopTimeoutMs`.
   */
  signal: AbortSignal;
}

/** Input of {@link RecordProcessor.leaseLost}. No checkpointer: the lease belongs to another worker now. */
export interface LeaseLostInput {
  shardId: string;
}

/** Input of {@link RecordProcessor.shardEnded}. */
export interface ShardEndedInput {
  shardId: string;
  /** `checkpointer.checkpoint()` (no arguments) writes `SHARD_END`: it must be called to finish the shard. */
  checkpointer: RecordCheckpointer;
}

/** Input of {@link RecordProcessor.shutdownRequested}. */
export interface ShutdownRequestedInput {
  shardId: string;
  checkpointer: RecordCheckpointer;
}

/**
 * The KCL-shaped processor contract: one instance per shard lease, called one method at a time, never
 * concurrently. Every method takes an input object, so fields can be added without breaking implementations.
 */
export interface RecordProcessor {
  /** Before the first batch. Throwing here is retried with backoff, like a failed batch. */
  initialize?(input: InitializeInput): void | Promise<void>;
  /** One batch at a time, in sequence order. Throwing triggers the `onProcessorError` policy (default: retry). */
  processRecords(input: ProcessRecordsInput): void | Promise<void>;
  /** The lease was lost: do not checkpoint; no further record of the shard will be delivered here. */
  leaseLost?(input: LeaseLostInput): void | Promise<void>;
  /**
   * The shard was read to the end. Must call `checkpointer.checkpoint()` so the children can start.
   * @default when absent, the worker checkpoints `SHARD_END` itself
   */
  shardEnded?(input: ShardEndedInput): void | Promise<void>;
  /** `stop()` was called: checkpoint what is done; the lease is released afterwards. */
  shutdownRequested?(input: ShutdownRequestedInput): void | Promise<void>;
}

/** Creates a processor per shard lease. */
export type RecordProcessorFactory = () => RecordProcessor;
