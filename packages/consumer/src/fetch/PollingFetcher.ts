import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { Clock, Logger, TypedEmitter } from '@kinesis-kit/commons';
import { backoffDelay, errorName, sleep } from '@kinesis-kit/commons';
import { anchorTime, serviceTime } from '../clients/serviceTime.js';
import { FetcherClosedError, StartingPositionError } from '../errors.js';
import type { ConsumerEvents } from '../events.js';
import { isSequenceNumber } from '../sequence/ExtendedSequenceNumber.js';
import { BatchHandoff } from './BatchHandoff.js';
import { PrefetchAccount, type PrefetchBudget, recordBytes } from './PrefetchBudget.js';
import type { ChildShardInfo, FetcherStart, FetchResult, RecordsFetcher } from './RecordsFetcher.js';
import { isFutureTimestamp, ResumePoint } from './ResumePoint.js';
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
  /** The worker-wide bound on fetched, unprocessed record bytes (none: unbounded). */
  prefetchBudget?: PrefetchBudget | undefined;
  logger: Logger;
  clock: Clock;
  events: TypedEmitter<ConsumerEvents>;
}

/**
 * Polls one shard with GetShardIterator/GetRecords, one batch ahead of the processor (a prefetch of exactly one
 * batch). Paces itself to at most one call per `minGetRecordsIntervalMs`; idles only when caught up. Retries every
 * failure with backoff (throttling included) **keeping its iterator**: only an expired or invalid iterator is
 * replaced, by a fresh one from where reading must resume (`ResumePoint`: after the last record fetched, else the
 * lease's position — a LATEST start resumes at its time anchor, never at a newer tip), so nothing is skipped and
 * nothing is read twice.
 */
export class PollingFetcher implements RecordsFetcher {
  readonly #start: FetcherStart;
  readonly #handoff: BatchHandoff;
  readonly #options: PollingFetcherOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  #iterator: string | undefined;
  /** Where a fresh iterator starts. */
  readonly #resume: ResumePoint;
  readonly #prefetch: PrefetchAccount;
  /** Until a record past it is seen, user records at or before this checkpoint are dropped (AT_SEQUENCE_NUMBER). */
  #skipUpTo: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  #lastCallStartedAt = Number.NEGATIVE_INFINITY;
  #lastWasIdle = false;

  constructor(start: FetcherStart, options: PollingFetcherOptions) {
    this.#start = start;
    this.#handoff = new BatchHandoff(start.shardId, 'PollingFetcher');
    this.#options = options;
    this.#logger = options.logger.child({ component: 'PollingFetcher', shardId: start.shardId });
    if (isSequenceNumber(start.position.sequenceNumber)) this.#skipUpTo = start.position;
    const service = serviceTime([options.kinesisClient], options.clock);
    this.#resume = new ResumePoint(start, () => anchorTime(service));
    this.#prefetch = new PrefetchAccount(options.prefetchBudget);
    void this.#loop();
  }

  next(): Promise<FetchResult> {
    this.#prefetch.nextRequested();
    return this.#handoff.next().then((result) => {
      this.#prefetch.taken();
      return result;
    });
  }

  close(): void {
    if (!this.#handoff.close()) return;
    this.#prefetch.close();
    this.#abort.abort(new FetcherClosedError(this.#start.shardId));
  }

  async #loop(): Promise<void> {
    let attempt = 0;
    while (!this.#handoff.closed) {
      try {
        if (this.#iterator === undefined) this.#iterator = await this.#getIterator();
        await this.#prefetch.beforeRead(this.#abort.signal);
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
        if (this.#handoff.closed) return;
        attempt = 0;
        const result = this.#toResult(output);
        this.#prefetch.fetched(recordBytes(output.Records ?? []));
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
        if (error instanceof StartingPositionError) {
          // Not retriable: the runner gives the lease back.
          void this.#handoff.deliver({ error });
          return;
        }
        // Throttling, 5xx, a dropped connection: the iterator is still good (it is valid for 5 minutes, and an
        // expired one says so above). Replacing it here could only move the read position — for a LATEST start
        // that has seen no record yet, past every record written meanwhile.
        if (this.#iterator !== undefined && isInvalidIterator(error)) this.#iterator = undefined;
        if (this.#iterator === undefined && isFutureTimestamp(error) && this.#resume.dropAnchor())
          this.#logger.warn(
            { err: error },
            'the service refused the LATEST time anchor as in its future (is this clock ahead?); reading from the tip',
          );
        attempt++;
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
    // AT_SEQUENCE_NUMBER for a checkpoint: (seq, n) may sit inside an aggregated record whose later user records
    // are still due (and KCL checkpoints write sub-sequence 0 for plain records too); #skipUpTo drops the records
    // at or before it.
    const input: GetShardIteratorCommandInput = {
      ShardId: this.#start.shardId,
      ...this.#resume.next(),
      ...(this.#options.streamArn === undefined
        ? { StreamName: this.#options.streamName }
        : { StreamARN: this.#options.streamArn }),
    };
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
    // Whole Kinesis records are fetched, so everything up to this one has been obtained.
    if (last?.SequenceNumber !== undefined) this.#resume.fetched(last.SequenceNumber);
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

/** The service says the iterator itself is no good (not throttling, not a network failure). */
function isInvalidIterator(error: unknown): boolean {
  return (
    errorName(error) === 'InvalidArgumentException' &&
    /iterator/i.test(error instanceof Error ? error.message : String(error))
  );
}
