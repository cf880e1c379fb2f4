import type { Clock } from '@kinesis-kit/commons';
import type { RecordCheckpointer } from '../checkpoint/RecordCheckpointer.js';
import { LeaseLostError } from '../errors.js';
import type { ConsumerRecord } from '../fetch/RecordsFetcher.js';
import { compareExtendedSequenceNumbers } from '../sequence/ExtendedSequenceNumber.js';
import type {
  Position,
  ProcessRecordsInput,
  RecordProcessor,
  ShardEndedInput,
  ShutdownRequestedInput,
} from './RecordProcessor.js';

/** What `eachBatch` receives. The checkpointer is there for extra checkpoints; the automatic one still runs. */
export interface EachBatchPayload {
  shardId: string;
  records: readonly ConsumerRecord[];
  millisBehindLatest: number | undefined;
  checkpointer: RecordCheckpointer;
  /** Aborted when the worker stops or loses the lease (see `ProcessRecordsInput.signal`). */
  signal: AbortSignal;
}

/** What `eachRecord` receives beside the record. */
export interface EachRecordContext {
  shardId: string;
  /** Aborted when the worker stops or loses the lease: no further record of the batch is handed over then. */
  signal: AbortSignal;
}

export type EachBatchHandler = (payload: EachBatchPayload) => void | Promise<void>;
export type EachRecordHandler = (record: ConsumerRecord, context: EachRecordContext) => void | Promise<void>;

/**
 * When the simple handlers checkpoint. With neither field set, after every batch. With one or both, after the
 * batch that reaches `everyRecords` records or `everyMs` since the last checkpoint, whichever comes first (and
 * always on shutdown, on shard end, and when a stop interrupts a batch).
 */
export interface AutoCheckpointOptions {
  everyRecords?: number | undefined;
  everyMs?: number | undefined;
}

export interface HandlerProcessorOptions {
  eachBatch?: EachBatchHandler | undefined;
  eachRecord?: EachRecordHandler | undefined;
  autoCheckpoint: AutoCheckpointOptions;
  clock: Clock;
  onCheckpointError: (error: unknown) => void;
  /**
   * `eachRecord` with the `skip` policy: a record whose handler throws is reported here and skipped, and the batch
   * goes on with the next record. Without it, the throw fails the batch (the policy then applies to the batch).
   */
  onSkippedRecord?: ((error: unknown, record: ConsumerRecord, shardId: string) => void) | undefined;
}

/**
 * Adapts `eachBatch` / `eachRecord` to the processor contract, checkpointing automatically after success.
 * With `eachRecord`, a retried batch resumes after the last record whose handler returned (by position): records
 * before it are not run again; a stop or lease loss ends the batch between two records (the records handled are
 * checkpointed, the rest go to the next owner). A failed automatic checkpoint (other than a lost lease) does not
 * fail the batch: the next one covers it.
 */
export class HandlerProcessor implements RecordProcessor {
  readonly #o: HandlerProcessorOptions;
  #uncheckpointed = 0;
  #lastCheckpointAt: number;
  /** The last record `eachRecord` returned for (or skipped): a retried batch resumes after it. */
  #lastHandled: Position | undefined;

  constructor(options: HandlerProcessorOptions) {
    this.#o = options;
    this.#lastCheckpointAt = options.clock.now();
  }

  async processRecords(input: ProcessRecordsInput): Promise<void> {
    const { records, shardId, signal, checkpointer } = input;
    const { eachBatch, eachRecord } = this.#o;
    if (eachBatch !== undefined) {
      await eachBatch({ shardId, records, millisBehindLatest: input.millisBehindLatest, checkpointer, signal });
      this.#uncheckpointed += records.length;
    } else if (eachRecord !== undefined) {
      await this.#eachRecord(eachRecord, input);
    }
    if (signal.aborted || this.#due()) await this.#checkpoint(checkpointer);
  }

  async #eachRecord(handler: EachRecordHandler, input: ProcessRecordsInput): Promise<void> {
    const { records, signal, checkpointer } = input;
    const context: EachRecordContext = { shardId: input.shardId, signal };
    for (const record of records) {
      if (this.#lastHandled !== undefined && compareExtendedSequenceNumbers(record, this.#lastHandled) <= 0) continue;
      if (signal.aborted) {
        // Stopping: keep what was done, hand the rest over (the throw marks the batch as not finished).
        if (this.#lastHandled !== undefined) await this.#checkpoint(checkpointer, this.#lastHandled);
        signal.throwIfAborted();
      }
      try {
        await handler(record, context);
      } catch (error) {
        if (this.#o.onSkippedRecord === undefined || error instanceof LeaseLostError) throw error;
        this.#o.onSkippedRecord(error, record, input.shardId);
      }
      this.#lastHandled = record;
      this.#uncheckpointed++;
    }
  }

  async shardEnded({ checkpointer }: ShardEndedInput): Promise<void> {
    await checkpointer.checkpoint();
  }

  async shutdownRequested({ checkpointer }: ShutdownRequestedInput): Promise<void> {
    if (this.#uncheckpointed > 0) await checkpointer.checkpoint();
  }

  #due(): boolean {
    const { everyRecords, everyMs } = this.#o.autoCheckpoint;
    if (everyRecords === undefined && everyMs === undefined) return true;
    if (everyRecords !== undefined && this.#uncheckpointed >= everyRecords) return true;
    return everyMs !== undefined && this.#o.clock.now() - this.#lastCheckpointAt >= everyMs;
  }

  async #checkpoint(checkpointer: RecordCheckpointer, position?: Position): Promise<void> {
    try {
      await (position === undefined ? checkpointer.checkpoint() : checkpointer.checkpoint(position));
      this.#uncheckpointed = 0;
      this.#lastCheckpointAt = this.#o.clock.now();
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      this.#o.onCheckpointError(error);
    }
  }
}
