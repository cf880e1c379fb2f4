import { type Listener, type Logger, TypedEmitter } from '@kinesis-kit/commons';
import { Deque } from './collector/Deque.js';
import type { ShardQueue } from './collector/ShardQueue.js';
import { ProducerClosedError, ValidationError, ValidationErrorReason } from './errors.js';
import type { ProducerEvents } from './events.js';
import { type KeyEntry, PartitionKeyCache } from './keyCache/PartitionKeyCache.js';
import { ProducerMetrics, type ProducerMetricsSnapshot } from './metrics/ProducerMetrics.js';
import { ProducerMetricsRecorder, streamNameOf } from './metrics/ProducerMetricsRecorder.js';
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js';
import { type ClockReading, PendingRecord } from './outcome.js';
import { PutBatch, type PutOutcome } from './PutBatch.js';
import { Pipeline } from './pipeline/Pipeline.js';
import type { ProducerRecord, PutResult } from './types.js';
import {
  checkRecordSize,
  toDataBytes,
  validateExplicitHashKey,
  validatePartitionKey,
} from './validation/validateRecord.js';

/** The producer's lifecycle. */
export const ProducerState = {
  OPEN: 'open',
  /** close() called: no new puts, flushing. */
  CLOSING: 'closing',
  CLOSED: 'closed',
} as const;
export type ProducerState = (typeof ProducerState)[keyof typeof ProducerState];

/** Options of {@link KinesisProducer.close}. */
export interface CloseOptions {
  /**
   * When aborted, nothing more is sent or retried: every record not stored yet fails with ProducerClosedError
   * (carrying its attempts), except those in a request already in flight, which settle with that request's answer
   * (stored, or its error; a retriable error gives ProducerClosedError). close() then resolves once the requests in
   * flight have answered or hit `requestTimeoutMs`. Honoured on any close() call, also a later one.
   */
  signal?: AbortSignal;
}

interface Barrier {
  seq: number;
  remaining: number;
  resolve: () => void;
}

/**
 * A KPL-style producer: `put()` validates a record, routes it to its predicted shard, aggregates, batches into
 * PutRecords, rate-limits per shard, retries, and settles the returned promise with where the record was stored —
 * or with a typed error carrying the record and every attempt. Memory is bounded by `maxOutstandingRecords` /
 * `maxOutstandingBytes`: beyond them `put()` waits (`tryPut()` returns false instead).
 */
export class KinesisProducer {
  readonly #options: ResolvedProducerOptions;
  readonly #logger: Logger;
  readonly #emitter: TypedEmitter<ProducerEvents>;
  readonly #metrics = new ProducerMetrics();
  readonly #keys: PartitionKeyCache<ShardQueue>;
  readonly #pipeline: Pipeline;
  /** Records put() while over capacity, in put() order. */
  readonly #waiting = new Deque<PendingRecord>();
  #capacityWaiters: (() => void)[] = [];
  #barriers: Barrier[] = [];
  #outstandingRecords = 0;
  #outstandingBytes = 0;
  #seq = 0;
  #state: ProducerState = ProducerState.OPEN;
  #closing: Promise<void> | undefined;
  /** Removes the abort listeners close() added (so a long-lived signal does not keep this producer alive). */
  #unlistenAborts: (() => void)[] = [];
  /**
   * A ref'd handle held only while records are outstanding. Every timer of the producer is unref'd, so without it a
   * script awaiting put() would exit (code 13, records unsent) while a record waits for its buffering deadline.
   */
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  /** The clock reading of the current burst of admissions (see #admissionTime). */
  #reading: ClockReading | undefined;
  #readingUses = 0;
  readonly #endBurst = () => {
    this.#reading = undefined;
  };
  readonly #resolveHook = (record: PendingRecord, result: PutResult) => {
    if (record.settled) return;
    this.#settled(record);
    record.resolve(result, record);
  };
  readonly #rejectHook = (record: PendingRecord, error: Error) => {
    if (record.settled) return;
    this.#settled(record);
    record.reject(error, record);
  };

  constructor(options: ProducerOptions) {
    this.#options = resolveProducerOptions(options);
    this.#logger = this.#options.logger.child({ component: 'KinesisProducer' });
    this.#emitter = new TypedEmitter<ProducerEvents>(this.#logger);
    this.#keys = new PartitionKeyCache(this.#options.partitionKeyCacheSize);
    const published = this.#options.metrics;
    if (published !== undefined) {
      this.#metrics.recorder = new ProducerMetricsRecorder(
        published,
        streamNameOf(this.#options.streamName, this.#options.streamArn),
        {
          received: () => this.#metrics.userRecordsReceived,
          pending: () => this.#outstandingRecords + this.#waiting.length,
        },
        this.#options.clock,
        this.#options.logger,
      );
    }
    this.#pipeline = new Pipeline(this.#options, this.#options.logger, this.#emitter, this.#metrics, {
      resolve: this.#resolveHook,
      reject: this.#rejectHook,
      isFlushing: () => this.#barriers.length > 0 || this.#state !== ProducerState.OPEN,
    });
  }

  /** User records accepted and not yet settled (not counting puts waiting for capacity). */
  get outstandingRecords(): number {
    return this.#outstandingRecords;
  }

  /** Their bytes (data + partition keys). */
  get outstandingBytes(): number {
    return this.#outstandingBytes;
  }

  /** put() calls waiting for capacity. */
  get waitingRecords(): number {
    return this.#waiting.length;
  }

  get state(): ProducerState {
    return this.#state;
  }

  /**
   * Puts one record. Resolves with its shard and sequence number once Kinesis stored it; rejects with
   * `ValidationError` (nothing queued), `RecordExpiredError`, `RecordRejectedError`, `RecordThrottledError` or
   * `ProducerClosedError`. When the producer is full the promise simply settles later.
   */
  put(record: ProducerRecord): Promise<PutResult> {
    // A shared executor (no closure per call) hands over the resolving functions.
    const promise = new Promise<PutResult>(captureResolvers);
    const resolve = capturedResolve;
    const reject = capturedReject;
    try {
      this.#enqueue(this.#prepare(record, resolve, reject));
    } catch (error) {
      reject(error as Error);
    }
    return promise;
  }

  /**
   * Puts many records with one promise instead of one per record (cheaper per record: see docs/producer.md,
   * "Performance"). Resolves — never rejects — with one outcome per record, in order: its {@link PutResult}, or the
   * typed error `put()` would have rejected with (`ValidationError` for an invalid record, which is not queued;
   * `RecordExpiredError`, …). Records are admitted in order as put() admits them, waiting for capacity when full.
   */
  putMany(records: readonly ProducerRecord[]): Promise<PutOutcome[]> {
    if (!Array.isArray(records)) {
      return Promise.reject(
        new ValidationError(ValidationErrorReason.RECORD_TYPE, 'putMany() takes an array of records', records),
      );
    }
    const batch = new PutBatch(records.length, this.#seq + 1);
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as ProducerRecord;
      let pending: PendingRecord;
      try {
        pending = this.#prepare(record, batch.settle, batch.settle);
      } catch (error) {
        this.#seq++; // keeps the batch's seq numbers consecutive, so a record's index is its seq offset
        batch.refuse(i, error as ValidationError | ProducerClosedError);
        continue;
      }
      this.#enqueue(pending);
    }
    return batch.promise;
  }

  /**
   * Like put(), but sheds load: returns `false` (and queues nothing) when the producer is at its outstanding
   * limits instead of waiting. Invalid records still give a rejected promise.
   */
  tryPut(record: ProducerRecord): Promise<PutResult> | false {
    if (this.#waiting.length > 0 || !this.#hasCapacity(estimateBytes(record))) {
      if (this.#state === ProducerState.OPEN) return false;
    }
    return this.put(record);
  }

  /** Resolves when a put() would be accepted at once (below both outstanding limits, nobody waiting). */
  waitForCapacity(): Promise<void> {
    if (this.#waiting.length === 0 && this.#hasCapacity(0)) return Promise.resolve();
    return new Promise((resolve) => this.#capacityWaiters.push(resolve));
  }

  /**
   * Sends everything buffered without waiting for `maxBufferedTimeMs`; resolves when every record put before
   * the call has a fate (resolved or rejected). Never rejects.
   */
  flush(): Promise<void> {
    const remaining = this.#outstandingRecords + this.#waiting.length;
    if (remaining === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#barriers.push({ seq: this.#seq, remaining, resolve });
      this.#pipeline.kick();
    });
  }

  /**
   * Flushes, then stops every timer and (if the producer created it) destroys the client, so a script or Lambda
   * can exit. Later put() calls reject with ProducerClosedError. With `signal` (see {@link CloseOptions}), aborting
   * stops sending: every record not stored fails with ProducerClosedError once the requests in flight answered.
   * Every call returns the same promise; each call's signal is honoured.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing === undefined) {
      this.#state = ProducerState.CLOSING;
      this.#closing = this.#close();
    }
    const signal = options.signal;
    if (signal !== undefined && this.#state === ProducerState.CLOSING) {
      if (signal.aborted) this.#abandonHeld();
      else {
        const onAbort = () => this.#abandonHeld();
        signal.addEventListener('abort', onAbort, { once: true });
        this.#unlistenAborts.push(() => signal.removeEventListener('abort', onAbort));
      }
    }
    return this.#closing;
  }

  /** Subscribes to an instrumentation event; returns the unsubscribe function. */
  on<E extends keyof ProducerEvents>(event: E, listener: Listener<ProducerEvents[E]>): () => void {
    return this.#emitter.on(event, listener);
  }

  /**
   * Publishes the metrics of the current interval now (when `metrics` sinks are configured): in a Lambda handler,
   * before the environment freezes (`withFlushingProducer` calls it). Never rejects.
   */
  flushMetrics(): Promise<void> {
    return this.#metrics.recorder?.flush() ?? Promise.resolve();
  }

  /** A snapshot of the metrics (KPL names). */
  metrics(): ProducerMetricsSnapshot {
    return this.#metrics.snapshot(this.#outstandingRecords + this.#waiting.length);
  }

  async #close(): Promise<void> {
    // Resolves once every record has a fate; an abort only brings that moment forward (see CloseOptions.signal).
    await this.flush();
    this.#state = ProducerState.CLOSED;
    for (const unlisten of this.#unlistenAborts.splice(0)) unlisten();
    this.#pipeline.close();
    await this.#metrics.recorder?.close();
    this.#logger.debug('closed');
  }

  /** close() was aborted: records waiting for capacity fail here, the pipeline fails or settles the rest. */
  #abandonHeld(): void {
    for (const record of this.#waiting.drain()) {
      this.#rejectHook(
        record,
        new ProducerClosedError('close() was aborted before the record was sent', record.input, []),
      );
    }
    this.#pipeline.abandon();
  }

  #prepare(record: ProducerRecord, resolve: PendingRecord['resolve'], reject: PendingRecord['reject']): PendingRecord {
    if (record === null || typeof record !== 'object') {
      throw new ValidationError(ValidationErrorReason.RECORD_TYPE, 'a record must be an object', record);
    }
    if (this.#state !== ProducerState.OPEN) {
      throw new ProducerClosedError('put() after close()', record, []);
    }
    const partitionKey = record.partitionKey;
    let entry: KeyEntry<ShardQueue> | undefined = this.#keys.get(partitionKey);
    if (entry === undefined) entry = this.#keys.add(partitionKey, validatePartitionKey(partitionKey, record));
    const data = toDataBytes(record.data, record);
    const keyBytes = entry.keyBytes;
    if (data.length + keyBytes > this.#options.maxRecordBytes) {
      checkRecordSize(data.length, keyBytes, this.#options.maxRecordBytes, record);
    }
    const explicitHashKey = record.explicitHashKey;
    let hash = entry.hash;
    if (explicitHashKey !== undefined) {
      validateExplicitHashKey(explicitHashKey, record);
      hash = BigInt(explicitHashKey);
    }
    const pending = new PendingRecord(record, data, hash, data.length + keyBytes, resolve, reject);
    if (explicitHashKey === undefined) pending.keyEntry = entry;
    pending.seq = ++this.#seq;
    return pending;
  }

  #hasCapacity(bytes: number): boolean {
    return (
      this.#outstandingRecords < this.#options.maxOutstandingRecords &&
      (this.#outstandingBytes + bytes <= this.#options.maxOutstandingBytes || this.#outstandingRecords === 0)
    );
  }

  /** Admits a prepared record now, or queues it behind the records already waiting for capacity. */
  #enqueue(pending: PendingRecord): void {
    if (this.#waiting.length === 0 && this.#hasCapacity(pending.bytes)) this.#admit(pending);
    else this.#waiting.push(pending);
  }

  #admit(pending: PendingRecord): void {
    if (this.#outstandingRecords++ === 0 && this.#keepAlive === undefined) {
      this.#keepAlive = setInterval(noop, KEEP_ALIVE_INTERVAL_MS);
    }
    this.#outstandingBytes += pending.bytes;
    this.#metrics.userRecordsReceived++;
    pending.admission = this.#admissionTime();
    this.#pipeline.accept(pending, pending.keyEntry as KeyEntry<ShardQueue> | undefined);
  }

  /**
   * The clock, read once per burst: records admitted in one synchronous run of put() calls (at most
   * READINGS_PER_BURST of them) share a reading, refreshed when the run yields. A reading is never later than the
   * truth, so deadlines and expiry can only come early, by at most that run's length (~0.3 ms at full speed).
   */
  #admissionTime(): ClockReading {
    const reading = this.#reading;
    if (reading !== undefined && ++this.#readingUses < READINGS_PER_BURST) return reading;
    if (reading === undefined) queueMicrotask(this.#endBurst);
    this.#readingUses = 0;
    this.#reading = { at: this.#options.clock.now() };
    return this.#reading;
  }

  #settled(record: PendingRecord): void {
    record.settled = true;
    if (record.admitted) {
      this.#outstandingRecords--;
      this.#outstandingBytes -= record.bytes;
    }
    if (this.#outstandingRecords === 0 && this.#waiting.length === 0 && this.#keepAlive !== undefined) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
    if (this.#barriers.length > 0) this.#passBarriers(record.seq);
    if (this.#waiting.length > 0) this.#admitWaiting();
    if (this.#capacityWaiters.length > 0 && this.#waiting.length === 0 && this.#hasCapacity(0)) {
      const waiters = this.#capacityWaiters;
      this.#capacityWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #passBarriers(seq: number): void {
    let done = false;
    for (const barrier of this.#barriers) {
      if (seq <= barrier.seq && --barrier.remaining === 0) {
        barrier.resolve();
        done = true;
      }
    }
    if (done) this.#barriers = this.#barriers.filter((barrier) => barrier.remaining > 0);
  }

  #admitWaiting(): void {
    let front = this.#waiting.peek();
    while (front !== undefined && this.#hasCapacity(front.bytes)) {
      this.#waiting.shift();
      this.#admit(front);
      front = this.#waiting.peek();
    }
  }
}

const KEEP_ALIVE_INTERVAL_MS = 2 ** 30;
/** Admissions that may share one clock reading (~0.3 ms of put() calls at full speed). */
const READINGS_PER_BURST = 256;
function noop(): void {}

// Set synchronously by the Promise constructor in put() and read right after it.
let capturedResolve: (result: PutResult) => void = noop;
let capturedReject: (error: Error) => void = noop;
function captureResolvers(resolve: (result: PutResult) => void, reject: (error: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** A cheap size estimate for tryPut's capacity check (exact for byte data and ASCII keys). */
function estimateBytes(record: ProducerRecord): number {
  if (record === null || typeof record !== 'object') return 0;
  const data = record.data;
  const dataBytes = typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.length : 0;
  return dataBytes + (typeof record.partitionKey === 'string' ? record.partitionKey.length : 0);
}
