import type { Clock } from '@kinesis-kit/commons';
import type { RecordCheckpointer } from '../checkpoint/RecordCheckpointer.js';
import { LeaseLostError } from '../errors.js';
import type { ConsumerRecord } from '../fetch/RecordsFetcher.js';
import type {
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
}

export type EachBatchHandler = (payload: EachBatchPayload) => void | Promise<void>;
export type EachRecordHandler = (record: ConsumerRecord, context: { shardId: string }) => void | Promise<void>;

/**
 * When the simple handlers checkpoint. With neither field set, after every batch. With one or both, after the
 * batch that reaches `everyRecords` records or `everyMs` since the last checkpoint, whichever comes first (and
 * always on shutdown and shard end).
 */
export interface AutoCheckpointOptions {
  everyRecords?: number | undefined;
  everyMs?: number | undefined;
}

/**
 * Adapts `eachBatch` / `eachRecord` to the processor contract, checkpointing automatically after success.
 * With `eachRecord`, a retried batch resumes at the record that threw: records before it are not run again.
 * A failed automatic checkpoint (other than a lost lease) does not fail the batch: the next one covers it.
 */
export class HandlerProcessor implements RecordProcessor {
  readonly #eachBatch: EachBatchHandler | undefined;
  readonly #eachRecord: EachRecordHandler | undefined;
  readonly #auto: AutoCheckpointOptions;
  readonly #clock: Clock;
  readonly #onCheckpointError: (error: unknown) => void;
  #uncheckpointed = 0;
  #lastCheckpointAt: number;
  /** The batch that failed part-way through `eachRecord`, and the index to resume from. */
  #resume: { records: readonly ConsumerRecord[]; index: number } | undefined;

  constructor(options: {
    eachBatch?: EachBatchHandler | undefined;
    eachRecord?: EachRecordHandler | undefined;
    autoCheckpoint: AutoCheckpointOptions;
    clock: Clock;
    onCheckpointError: (error: unknown) => void;
  }) {
    this.#eachBatch = options.eachBatch;
    this.#eachRecord = options.eachRecord;
    this.#auto = options.autoCheckpoint;
    this.#clock = options.clock;
    this.#onCheckpointError = options.onCheckpointError;
    this.#lastCheckpointAt = options.clock.now();
  }

  async processRecords(input: ProcessRecordsInput): Promise<void> {
    const { records, shardId } = input;
    if (this.#eachBatch !== undefined) {
      await this.#eachBatch({
        shardId,
        records,
        millisBehindLatest: input.millisBehindLatest,
        checkpointer: input.checkpointer,
      });
    } else if (this.#eachRecord !== undefined) {
      const context = { shardId };
      let i = this.#resume?.records === records ? this.#resume.index : 0;
      try {
        for (; i < records.length; i++) await this.#eachRecord(records[i]!, context);
      } catch (error) {
        this.#resume = { records, index: i };
        throw error;
      }
      this.#resume = undefined;
    }
    this.#uncheckpointed += records.length;
    if (this.#due()) await this.#checkpoint(input.checkpointer);
  }

  async shardEnded({ checkpointer }: ShardEndedInput): Promise<void> {
    await checkpointer.checkpoint();
  }

  async shutdownRequested({ checkpointer }: ShutdownRequestedInput): Promise<void> {
    if (this.#uncheckpointed > 0) await checkpointer.checkpoint();
  }

  #due(): boolean {
    const { everyRecords, everyMs } = this.#auto;
    if (everyRecords === undefined && everyMs === undefined) return true;
    if (everyRecords !== undefined && this.#uncheckpointed >= everyRecords) return true;
    return everyMs !== undefined && this.#clock.now() - this.#lastCheckpointAt >= everyMs;
  }

  async #checkpoint(checkpointer: RecordCheckpointer): Promise<void> {
    try {
      await checkpointer.checkpoint();
      this.#uncheckpointed = 0;
      this.#lastCheckpointAt = this.#clock.now();
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      this.#onCheckpointError(error);
    }
  }
}
