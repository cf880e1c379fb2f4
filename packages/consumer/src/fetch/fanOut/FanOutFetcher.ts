import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import type { Clock, Logger, TypedEmitter } from '@kinesis-kit/commons';
import { backoffDelay, errorName, sleep } from '@kinesis-kit/commons';
import { anchorTime, serviceTime } from '../../clients/serviceTime.js';
import { FetcherClosedError, StartingPositionError, SubscriptionStalledError } from '../../errors.js';
import type { ConsumerEvents } from '../../events.js';
import { isSequenceNumber } from '../../sequence/ExtendedSequenceNumber.js';
import { BatchHandoff } from '../BatchHandoff.js';
import { PrefetchAccount, type PrefetchBudget, recordBytes } from '../PrefetchBudget.js';
import type { ChildShardInfo, FetcherStart, FetchResult, RecordsFetcher } from '../RecordsFetcher.js';
import { type IteratorPosition, isFutureTimestamp, ResumePoint } from '../ResumePoint.js';
import { toConsumerRecords } from '../toConsumerRecords.js';

/** Settings of one fan-out fetcher (resolved from the consumer's options). */
export interface FanOutFetcherOptions {
  /** The client `SubscribeToShard` goes through. */
  subscribeClient: KinesisClient;
  /** The client of the unary shard-end check (`GetShardIterator`/`GetRecords`). */
  kinesisClient: KinesisClient;
  consumerArn: string;
  streamName?: string | undefined;
  streamArn?: string | undefined;
  /** No event for this long → the subscription is replaced. */
  heartbeatTimeoutMs: number;
  /** While idle without `ChildShards`, check for shard end this often (0: never). */
  shardEndCheckIntervalMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** The worker-wide bound on fetched, unprocessed record bytes (none: unbounded). */
  prefetchBudget?: PrefetchBudget | undefined;
  logger: Logger;
  clock: Clock;
  events: TypedEmitter<ConsumerEvents>;
}

type EventIterator = AsyncIterator<SubscribeToShardEventStream>;

/** The exception members an event stream can carry instead of a `SubscribeToShardEvent`. */
const STREAM_ERROR_MEMBERS = [
  'ResourceNotFoundException',
  'ResourceInUseException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSAccessDeniedException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'KMSThrottlingException',
  'InternalFailureException',
] as const;

/**
 * Reads one shard through enhanced fan-out (`SubscribeToShard`), behind the same pull-based interface as polling.
 *
 * - Pull-wise: the next event is read from the HTTP/2 stream only after the previous batch was taken by `next()`
 *   (one event prefetched), so a slow processor leaves records in the server/transport flow-control window rather
 *   than in memory.
 * - Resubscribes `AFTER_SEQUENCE_NUMBER` the last continuation sequence number when a subscription ends (every
 *   5 min on AWS), fails, or stalls (no event for `heartbeatTimeoutMs`); before the first event it starts from the
 *   lease's position again. `ResourceInUseException` (the previous owner's subscription is still open) is retried
 *   with backoff like every other failure.
 * - Shard end: `ChildShards` in an event (AWS), or a null continuation sequence number, or, while idle, a
 *   periodic `GetShardIterator`+`GetRecords` read from the last position that finds the shard closed and empty
 *   (kinesis-local never sends `ChildShards`; that read also returns them).
 * - `close()` aborts the open subscription at once (the `AbortSignal` passed to `send()`).
 */
export class FanOutFetcher implements RecordsFetcher {
  readonly #start: FetcherStart;
  readonly #handoff: BatchHandoff;
  readonly #o: FanOutFetcherOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  /** Where a resubscription continues: after the last continuation sequence number seen, else the lease's start. */
  readonly #resume: ResumePoint;
  readonly #prefetch: PrefetchAccount;
  #skipUpTo: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  #lastShardEndCheckAt: number;
  /** Consecutive failed subscriptions (backoff). */
  #attempt = 0;
  /** Subscriptions opened so far (tests and logs). */
  subscriptions = 0;

  constructor(start: FetcherStart, options: FanOutFetcherOptions) {
    this.#start = start;
    this.#handoff = new BatchHandoff(start.shardId, 'FanOutFetcher');
    this.#o = options;
    this.#logger = options.logger.child({ component: 'FanOutFetcher', shardId: start.shardId });
    if (isSequenceNumber(start.position.sequenceNumber)) this.#skipUpTo = start.position;
    const service = serviceTime([options.subscribeClient, options.kinesisClient], options.clock);
    this.#resume = new ResumePoint(start, () => anchorTime(service));
    this.#prefetch = new PrefetchAccount(options.prefetchBudget);
    this.#lastShardEndCheckAt = options.clock.now();
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
    while (!this.#handoff.closed && !this.#handoff.ended) {
      const subscription = new AbortController();
      const onClose = () => subscription.abort(this.#abort.signal.reason);
      this.#abort.signal.addEventListener('abort', onClose, { once: true });
      let iterator: EventIterator | undefined;
      try {
        iterator = await this.#subscribe(subscription);
        await this.#consume(iterator, subscription);
        this.#logger.debug('subscription ended; resubscribing');
      } catch (error) {
        if (this.#handoff.closed) return;
        if (error instanceof StartingPositionError) {
          // Not retriable: the runner gives the lease back.
          void this.#handoff.deliver({ error });
          return;
        }
        if (isFutureTimestamp(error) && this.#resume.dropAnchor())
          this.#logger.warn(
            { err: error },
            'the service refused the LATEST time anchor as in its future (is this clock ahead?); reading from the tip',
          );
        const attempt = ++this.#attempt;
        const stalled = error instanceof SubscriptionStalledError;
        const retryInMs = stalled
          ? 0
          : backoffDelay(attempt, { baseDelayMs: this.#o.retryBaseDelayMs, maxDelayMs: this.#o.retryMaxDelayMs });
        const level = errorName(error) === 'ResourceInUseException' || stalled ? 'info' : 'warn';
        this.#logger[level]({ err: error, attempt, retryInMs }, 'subscription failed; resubscribing');
        this.#o.events.emit('consumer.fetch_error', { shardId: this.#start.shardId, error, attempt, retryInMs });
        try {
          if (retryInMs > 0) await sleep(retryInMs, this.#abort.signal, this.#o.clock);
        } catch {
          return;
        }
      } finally {
        this.#abort.signal.removeEventListener('abort', onClose);
        subscription.abort(new Error('subscription replaced'));
        // Releases the HTTP/2 stream; errors from an already-broken stream do not matter here.
        iterator?.return?.().catch(() => undefined);
      }
    }
  }

  /** Opens a subscription; one that does not answer within the heartbeat window counts as stalled too. */
  async #subscribe(subscription: AbortController): Promise<EventIterator> {
    this.subscriptions++;
    const sent = this.#o.subscribeClient.send(
      new SubscribeToShardCommand({
        ConsumerARN: this.#o.consumerArn,
        ShardId: this.#start.shardId,
        StartingPosition: this.#startingPosition(),
      }),
      { abortSignal: subscription.signal },
    );
    const output = await this.#withinHeartbeat(sent, subscription);
    if (output.EventStream === undefined) throw new Error('SubscribeToShard returned no event stream');
    return output.EventStream[Symbol.asyncIterator]();
  }

  /** Reads events one at a time, each only after the previous batch was taken. Returns when the stream ends. */
  async #consume(iterator: EventIterator, subscription: AbortController): Promise<void> {
    while (!this.#handoff.closed) {
      await this.#prefetch.beforeRead(subscription.signal);
      const step = await this.#withinHeartbeat(iterator.next(), subscription);
      if (step.done) return;
      // Events flowing: a failure from here on starts the backoff afresh.
      this.#attempt = 0;
      const event = step.value.SubscribeToShardEvent;
      if (event === undefined) {
        const member = STREAM_ERROR_MEMBERS.find((name) => step.value[name] !== undefined);
        if (member !== undefined) throw step.value[member];
        continue; // $unknown: a newer event type this SDK does not model
      }
      const result = await this.#toResult(event, subscription.signal);
      if (this.#handoff.closed) return;
      this.#prefetch.fetched(recordBytes(event.Records ?? []));
      if (result.shardEnded) this.#handoff.markEnded();
      this.#o.events.emitLazy('consumer.lag', () => ({
        shardId: this.#start.shardId,
        millisBehindLatest: result.millisBehindLatest,
        recordCount: result.records.length,
      }));
      await this.#handoff.deliver({ result });
      if (result.shardEnded) return;
    }
  }

  /** `promise`, or a `SubscriptionStalledError` (and the subscription aborted) when it takes longer than the window. */
  #withinHeartbeat<T>(promise: Promise<T>, subscription: AbortController): Promise<T> {
    const { heartbeatTimeoutMs, clock } = this.#o;
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        const error = new SubscriptionStalledError(this.#start.shardId, heartbeatTimeoutMs);
        subscription.abort(error);
        reject(error);
      }, heartbeatTimeoutMs);
      promise.then(
        (value) => {
          timer.cancel();
          resolve(value);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error);
        },
      );
    });
  }

  async #toResult(event: SubscribeToShardEvent, signal: AbortSignal): Promise<FetchResult> {
    const sdkRecords = event.Records ?? [];
    const continuation = event.ContinuationSequenceNumber ?? undefined;
    if (continuation !== undefined) this.#resume.fetched(continuation);
    else {
      // No continuation: the shard may be closed and read. Only a resubscription from the last record is safe now.
      const last = sdkRecords[sdkRecords.length - 1];
      if (last?.SequenceNumber !== undefined) this.#resume.fetched(last.SequenceNumber);
    }
    const { records, discardedByHashKeyRange, formatErrors } = toConsumerRecords(
      sdkRecords,
      this.#start.hashKeyRange,
      this.#skipUpTo,
    );
    for (const error of formatErrors)
      this.#logger.warn({ err: error }, 'corrupt KPL aggregate delivered raw (as the KCL does)');
    if (this.#skipUpTo !== undefined && records.length > 0) this.#skipUpTo = undefined;
    let childShards: ChildShardInfo[] | undefined = event.ChildShards?.length ? event.ChildShards : undefined;
    let shardEnded = childShards !== undefined;
    if (!shardEnded && sdkRecords.length === 0) {
      const now = this.#o.clock.now();
      const interval = this.#o.shardEndCheckIntervalMs;
      const since = now - this.#lastShardEndCheckAt;
      // A null continuation is AWS's shard-end signal (with ChildShards); confirm it, at most once a second.
      const due = continuation === undefined ? since >= 1_000 : interval > 0 && since >= interval;
      if (due) {
        this.#lastShardEndCheckAt = now;
        const end = await this.#checkShardEnd(signal);
        if (end !== undefined) {
          shardEnded = true;
          childShards = end.length > 0 ? end : undefined;
        }
      }
    }
    return { records, millisBehindLatest: event.MillisBehindLatest, shardEnded, childShards, discardedByHashKeyRange };
  }

  /**
   * Whether the shard is closed and everything up to our position was delivered: an iterator from the same
   * position whose first read is empty with no next iterator. Returns the children (maybe empty) then, else
   * undefined. A failing check is logged and treated as "not ended" (the next one retries).
   */
  async #checkShardEnd(signal: AbortSignal): Promise<ChildShardInfo[] | undefined> {
    try {
      const input: GetShardIteratorCommandInput = {
        ShardId: this.#start.shardId,
        ...this.#streamRef(),
        ...this.#iteratorPosition(),
      };
      const { ShardIterator } = await this.#o.kinesisClient.send(new GetShardIteratorCommand(input), {
        abortSignal: signal,
      });
      if (ShardIterator === undefined) return undefined;
      const output = await this.#o.kinesisClient.send(
        new GetRecordsCommand({
          ShardIterator,
          Limit: 1,
          ...(this.#o.streamArn === undefined ? {} : { StreamARN: this.#o.streamArn }),
        }),
        { abortSignal: signal },
      );
      if ((output.Records?.length ?? 0) > 0 || output.NextShardIterator) return undefined;
      this.#logger.debug('shard closed and read to its end (found by GetRecords)');
      return output.ChildShards ?? [];
    } catch (error) {
      if (!signal.aborted) this.#logger.warn({ err: error }, 'shard-end check failed; the next one retries');
      return undefined;
    }
  }

  #streamRef(): { StreamName?: string; StreamARN?: string } {
    const { streamArn, streamName } = this.#o;
    if (streamArn !== undefined) return { StreamARN: streamArn };
    return streamName === undefined ? {} : { StreamName: streamName };
  }

  /** Where to (re)start: after the continuation, else the lease's position (see `ResumePoint`). */
  #iteratorPosition(): IteratorPosition {
    return this.#resume.next();
  }

  #startingPosition(): StartingPosition {
    const p = this.#iteratorPosition();
    return {
      Type: p.ShardIteratorType,
      ...(p.StartingSequenceNumber === undefined ? {} : { SequenceNumber: p.StartingSequenceNumber }),
      ...(p.Timestamp === undefined ? {} : { Timestamp: p.Timestamp }),
    };
  }
}
