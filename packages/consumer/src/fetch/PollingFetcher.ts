import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { Clock, Logger, TypedEmitter } from '@kinesis-kit/commons';
import { backoffDelay, errorName, sleep } from '@kinesis-kit/commons';
import { FetcherClosedError } from '../errors.js';
import type { ConsumerEvents } from '../events.js';
import { isSequenceNumber } from '../sequence/ExtendedSequenceNumber.js';
import { BatchHandoff } from './BatchHandoff.js';
import type { ChildShardInfo, FetcherStart, FetchResult, RecordsFetcher } from './RecordsFetcher.js';
import { toConsumerRecords } from './toConsumerRecords.js';

/** Settings of one polling fetcher (resolved from the consumer's options). */
export interface PollingFetcherOptions {
  kinesisClient: KinesisClient;
  streamName?: string | undefined;
  streamArn?: string | undefined;
  /** `Limit` of each GetRecords call (KCL `maxRecords`). */
  maxRecords: number;
  /** After an empty, caught-up read, the next call starts no earlier than this after the previous one started. */
  idleTimeBetweenReadsMs: number;
  /** Calls on one shard start at least this far apart (200 ms = the service's 5 calls/s/shard). */
  minGetRecordsIntervalMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  logger: Logger;
  clock: Clock;
  events: TypedEmitter<ConsumerEvents>;
}

/**
 * Polls one shard with GetShardIterator/GetRecords, one batch ahead of the processor (a prefetch of exactly one
 * batch). Paces itself to at most one call per `minGetRecordsIntervalMs`; idles only when caught up. Retries every
 * failure with backoff (throttling included) and replaces an expired iterator with a fresh one from the last
 * record it fetched, so nothing is skipped and nothing is read twice.
 */
export class PollingFetcher implements RecordsFetcher {
  readonly #start: FetcherStart;
  readonly #handoff: BatchHandoff;
  readonly #options: PollingFetcherOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  #iterator: string | undefined;
  /** Sequence number of the last Kinesis record fetched (not necessarily processed): where a fresh iterator starts. */
  #lastFetchedSequence: string | undefined;
  /** Until a record past it is seen, user records at or before this checkpoint are dropped (AT_SEQUENCE_NUMBER). */
  #skipUpTo: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  #lastCallStartedAt = Number.NEGATIVE_INFINITY;
  #lastWasIdle = false;
  /** The one prefetched batch (or failure), waiting for `next()`. */
  /** Resolved when the buffered batch is taken, so the loop may fetch the next. */

  constructor(start: FetcherStart, options: PollingFetcherOptions) {
    this.#start = start;
    this.#handoff = new BatchHandoff(start.shardId, 'PollingFetcher');
    this.#options = options;
    this.#logger = options.logger.child({ component: 'PollingFetcher', shardId: start.shardId });
    if (isSequenceNumber(start.position.sequenceNumber)) this.#skipUpTo = start.position;
    void this.#loop();
  }

  next(): Promise<FetchResult> {
    return this.#handoff.next();
  }

  close(): void {
    if (!this.#handoff.close()) return;
    this.#abort.abort(new FetcherClosedError(this.#start.shardId));
  }

  async #loop(): Promise<void> {
    let attempt = 0;
    while (!this.#handoff.closed) {
      try {
        if (this.#iterator === undefined) this.#iterator = await this.#getIterator();
        await this.#pace();
        if (this.#handoff.closed) return;
        const command = new GetRecordsCommand({
          ShardIterator: this.#iterator,
          Limit: this.#options.maxRecords,
          ...(this.#options.streamArn === undefined ? {} : { StreamARN: this.#options.streamArn }),
        });
        const { kinesisClient } = this.#options;
        const sendOptions = { abortSignal: this.#abort.signal };
        // The clock is read last, right before send(): work (and a GC pause) between the two would shorten the real
        // gap between call starts below the paced one.
        this.#lastCallStartedAt = this.#options.clock.now();
        const output = await kinesisClient.send(command, sendOptions);
        attempt = 0;
        const result = this.#toResult(output);
        this.#iterator = output.NextShardIterator ?? undefined;
        this.#lastWasIdle = result.records.length === 0 && !(result.millisBehindLatest ?? 0);
        if (result.shardEnded) this.#handoff.markEnded();
        this.#options.events.emitLazy('consumer.lag', () => ({
          shardId: this.#start.shardId,
          millisBehindLatest: result.millisBehindLatest,
          recordCount: result.records.length,
        }));
        await this.#handoff.deliver({ result });
        if (result.shardEnded) return;
      } catch (error) {
        if (this.#handoff.closed) return;
        if (errorName(error) === 'ExpiredIteratorException') {
          this.#logger.debug({ err: error }, 'shard iterator expired; getting a fresh one');
          this.#options.events.emit('consumer.iterator_expired', { shardId: this.#start.shardId });
          this.#iterator = undefined;
          continue;
        }
        attempt++;
        // Repeated failures with the same iterator: start over from the last fetched position.
        if (attempt >= 3) this.#iterator = undefined;
        const retryInMs = backoffDelay(attempt, {
          baseDelayMs: this.#options.retryBaseDelayMs,
          maxDelayMs: this.#options.retryMaxDelayMs,
        });
        this.#logger.warn({ err: error, attempt, retryInMs }, 'fetch failed; retrying');
        this.#options.events.emit('consumer.fetch_error', {
          shardId: this.#start.shardId,
          error,
          attempt,
          retryInMs,
        });
        try {
          await sleep(retryInMs, this.#abort.signal, this.#options.clock);
        } catch {
          return;
        }
      }
    }
  }

  /**
   * Waits until the next call is allowed: the per-shard call interval, and the idle time when caught up. Re-checks
   * after each sleep (a timer may fire a millisecond early), and keeps 1 ms of margin, so no 1-second window ever
   * holds more than 1000 / minGetRecordsIntervalMs call starts.
   */
  async #pace(): Promise<void> {
    const { minGetRecordsIntervalMs, idleTimeBetweenReadsMs, clock } = this.#options;
    const gap = this.#lastWasIdle ? Math.max(minGetRecordsIntervalMs, idleTimeBetweenReadsMs) : minGetRecordsIntervalMs;
    for (;;) {
      const waitMs = this.#lastCallStartedAt + gap + 1 - clock.now();
      if (waitMs <= 0) return;
      await sleep(waitMs, this.#abort.signal, clock);
    }
  }

  async #getIterator(): Promise<string> {
    const input: GetShardIteratorCommandInput = {
      ShardId: this.#start.shardId,
      ShardIteratorType: 'TRIM_HORIZON',
      ...(this.#options.streamArn === undefined
        ? { StreamName: this.#options.streamName }
        : { StreamARN: this.#options.streamArn }),
    };
    const { sequenceNumber } = this.#start.position;
    if (this.#lastFetchedSequence !== undefined) {
      // Whole Kinesis records are fetched, so everything up to this one has been obtained.
      input.ShardIteratorType = 'AFTER_SEQUENCE_NUMBER';
      input.StartingSequenceNumber = this.#lastFetchedSequence;
    } else if (isSequenceNumber(sequenceNumber)) {
      // AT, not AFTER: a checkpoint (seq, n) may sit inside an aggregated record whose later user records are
      // still due; KCL checkpoints write sub-sequence 0 for plain records too, so (seq, 0) is ambiguous. The
      // records at or before the checkpoint are dropped by #skipUpTo.
      input.ShardIteratorType = 'AT_SEQUENCE_NUMBER';
      input.StartingSequenceNumber = sequenceNumber;
    } else if (sequenceNumber === 'LATEST') {
      input.ShardIteratorType = 'LATEST';
    } else if (sequenceNumber === 'AT_TIMESTAMP') {
      input.ShardIteratorType = 'AT_TIMESTAMP';
      input.Timestamp = this.#start.timestamp;
    }
    const output = await this.#options.kinesisClient.send(new GetShardIteratorCommand(input), {
      abortSignal: this.#abort.signal,
    });
    if (output.ShardIterator === undefined)
      throw new Error(`GetShardIterator returned no iterator for ${input.ShardId}`);
    return output.ShardIterator;
  }

  #toResult(output: GetRecordsCommandOutput): FetchResult {
    const sdkRecords = output.Records ?? [];
    const last = sdkRecords[sdkRecords.length - 1];
    if (last?.SequenceNumber !== undefined) this.#lastFetchedSequence = last.SequenceNumber;
    const { records, discardedByHashKeyRange, formatErrors } = toConsumerRecords(
      sdkRecords,
      this.#start.hashKeyRange,
      this.#skipUpTo,
    );
    for (const error of formatErrors)
      this.#logger.warn({ err: error }, 'corrupt KPL aggregate delivered raw (as the KCL does)');
    if (this.#skipUpTo !== undefined && sdkRecords.length > 0) {
      // Only the first fetched records can be at or before the checkpoint; once past it, stop comparing.
      const lastRecord = records[records.length - 1];
      if (lastRecord !== undefined) this.#skipUpTo = undefined;
    }
    const shardEnded = output.NextShardIterator === undefined || output.NextShardIterator === null;
    const childShards: ChildShardInfo[] | undefined = shardEnded ? output.ChildShards : undefined;
    return {
      records,
      millisBehindLatest: output.MillisBehindLatest,
      shardEnded,
      childShards,
      discardedByHashKeyRange,
    };
  }
}
