import type { Logger, ProducerTracing, SendSpan, SendSpanInfo, TimerHandle, TypedEmitter } from '@kinesis-kit/commons';
import PQueue from 'p-queue';
import type { Batch, Collector } from '../collector/Collector.js';
import type { ProducerEvents } from '../events.js';
import type { ProducerMetrics } from '../metrics/ProducerMetrics.js';
import { streamNameOf } from '../metrics/ProducerMetricsRecorder.js';
import type { ResolvedProducerOptions } from '../options.js';
import type { Retrier } from '../retrier/Retrier.js';
import type { Sender, SendOutcome } from '../sender/Sender.js';

/** What the dispatcher needs from the rest of the pipeline. */
export interface DispatcherParts {
  collector: Collector;
  sender: Sender;
  retrier: Retrier;
  emitter: TypedEmitter<ProducerEvents>;
  metrics: ProducerMetrics;
  logger: Logger;
  /** True while flush()/close() wants everything sent without waiting for buffering deadlines. */
  isFlushing(): boolean;
}

/**
 * The sending half of the pipeline: asks the collector for PutRecords batches while fewer than `maxConnections`
 * requests are in flight, sends them through a p-queue, and hands outcomes to the retrier. One timer (unref'd)
 * wakes it for the earliest buffering deadline, backoff or rate-limit refill; no per-record timers.
 */
export class Dispatcher {
  readonly #options: ResolvedProducerOptions;
  readonly #parts: DispatcherParts;
  readonly #requests: PQueue;
  /** For spans: the stream name (from the ARN when only that is given). */
  readonly #streamName: string;
  /** Requests handed to the p-queue and not finished. */
  #inFlightRequests = 0;
  #closed = false;
  #pumpScheduled = false;
  #timer: TimerHandle | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;

  constructor(options: ResolvedProducerOptions, parts: DispatcherParts) {
    this.#options = options;
    this.#parts = parts;
    this.#requests = new PQueue({ concurrency: options.maxConnections });
    this.#streamName = streamNameOf(options.streamName, options.streamArn);
  }

  /** Makes sure the pump runs by `deadline` (a buffered record's deadline); cheap when a timer already does. */
  wakeBy(deadline: number): void {
    if (deadline < this.#wakeAt) this.#armTimer(deadline);
  }

  /** Runs the pump on the next turn of the event loop (coalesced). */
  schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Stops the timer and drops requests not yet started. */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#requests.clear();
  }

  #armTimer(at: number): void {
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#wakeAt = at;
    const delay = Math.max(0, at - this.#options.clock.now());
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#wakeAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, delay);
  }

  #pump(): void {
    if (this.#closed) return;
    const now = this.#options.clock.now();
    const force = this.#parts.isFlushing();
    const collector = this.#parts.collector;
    let wake = Number.POSITIVE_INFINITY;
    while (this.#inFlightRequests < this.#options.maxConnections) {
      const batch = collector.collect(now, force);
      if (batch === undefined) {
        wake = collector.nextWakeAt;
        break;
      }
      this.#dispatch(batch, now);
    }
    if (this.#inFlightRequests >= this.#options.maxConnections) {
      // A finishing request pumps again, but an open aggregate's deadline still needs a wake-up.
      wake = Number.POSITIVE_INFINITY;
    }
    if (wake < this.#wakeAt || (this.#timer === undefined && Number.isFinite(wake))) {
      if (Number.isFinite(wake)) this.#armTimer(wake);
    }
  }

  #dispatch(batch: Batch, now: number): void {
    this.#inFlightRequests++;
    const { metrics, sender, retrier, emitter, logger } = this.#parts;
    const recorder = metrics.recorder;
    let users = 0;
    for (const record of batch.records) {
      const count = record.records.length;
      users += count;
      if (!record.sent) {
        record.sent = true;
        const waited = now * count - record.acceptedAtSum;
        metrics.bufferingTime.addSum(waited, count);
        record.shard.metrics?.buffered(waited, count);
      }
    }
    if (recorder !== undefined) for (const shard of batch.shards) shard.metrics?.flushBuffered();
    metrics.kinesisRecordsPerRequest.add(batch.records.length);
    if (recorder !== undefined) {
      recorder.kinesisRecordsPerRequest.add(batch.records.length);
      recorder.userRecordsPerRequest.add(users);
    }
    const tracing = this.#options.tracing;
    const span =
      tracing === undefined ? undefined : startSpan(tracing, sendInfo(this.#streamName, batch, users), logger);
    void this.#requests.add(async () => {
      const outcome = await sender.send(batch.records);
      metrics.requestTime.add(outcome.durationMs);
      recorder?.requestTime.add(outcome.durationMs);
      this.#inFlightRequests--;
      for (const shard of batch.shards) shard.inFlight--;
      try {
        retrier.handle(batch.records, outcome);
      } catch (error) {
        logger.error({ err: error }, 'handling a PutRecords outcome failed');
      }
      for (const shard of batch.shards) if (shard.retired) shard.releaseIfDrained();
      const failedCount = outcome.entries === undefined ? batch.records.length : countFailed(outcome.entries);
      if (span !== undefined) endSpan(span, failedCount, outcome, logger);
      emitter.emitLazy('producer.put_records', () => ({
        recordCount: batch.records.length,
        userRecordCount: users,
        shardCount: batch.shards.length,
        bytes: batch.bytes,
        durationMs: outcome.durationMs,
        failedRecordCount: failedCount,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      }));
      this.schedulePump();
    });
  }
}

function sendInfo(streamName: string, batch: Batch, userRecordCount: number): SendSpanInfo {
  return {
    streamName,
    recordCount: batch.records.length,
    userRecordCount,
    bytes: batch.bytes,
    *userRecordData() {
      for (const record of batch.records) for (const user of record.records) yield user.data;
    },
  };
}

function startSpan(tracing: ProducerTracing, info: SendSpanInfo, logger: Logger): SendSpan | undefined {
  try {
    return tracing.startSend(info);
  } catch (error) {
    logger.warn({ err: error }, 'a tracer threw on startSend(); this request is not traced');
    return undefined;
  }
}

function endSpan(span: SendSpan, failedRecordCount: number, outcome: SendOutcome, logger: Logger): void {
  try {
    span.end(
      outcome.error === undefined
        ? { failedRecordCount }
        : { failedRecordCount, error: outcome.error, errorCode: outcome.failure?.code },
    );
  } catch (error) {
    logger.warn({ err: error }, 'a tracing span threw on end(); ignored');
  }
}

function countFailed(entries: readonly { ErrorCode?: string | undefined }[]): number {
  let failed = 0;
  for (const entry of entries) if (entry.ErrorCode !== undefined) failed++;
  return failed;
}
