import type { PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import {
  backoffDelay,
  type Clock,
  classifyEntryError,
  type Failure,
  FailureKind,
  type TypedEmitter,
} from '@kinesis-kit/commons';
import type { OutgoingRecord } from '../collector/OutgoingRecord.js';
import { ProducerClosedError, RecordExpiredError, RecordRejectedError, RecordThrottledError } from '../errors.js';
import type { ProducerEvents } from '../events.js';
import type { ProducerMetrics } from '../metrics/ProducerMetrics.js';
import type { PendingRecord } from '../outcome.js';
import type { SendOutcome } from '../sender/Sender.js';
import type { Attempt, PutResult } from '../types.js';

/** How the retrier settles user records and hands records back to the pipeline. */
export interface RetrierHooks {
  resolve(record: PendingRecord, result: PutResult): void;
  reject(record: PendingRecord, error: Error): void;
  /** Puts a record back at the front of its shard queue. */
  requeue(record: OutgoingRecord): void;
  /** A record was stored in a shard other than predicted. */
  mismatch(record: OutgoingRecord, shardId: string, sequenceNumber: string): void;
}

export interface RetrierSettings {
  failIfThrottled: boolean;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  random: () => number;
  clock: Clock;
}

/**
 * Turns a PutRecords outcome into each record's fate: stored (resolve every user record inside, with its
 * sub-sequence number when aggregated), retried (back to the front of its shard queue after exponential backoff
 * with jitter), or failed with a typed error (non-retriable code, throttled with `failIfThrottled`, past its TTL,
 * or — once `close({ signal })` was aborted — ProducerClosedError instead of a retry).
 */
export class Retrier {
  readonly #settings: RetrierSettings;
  readonly #hooks: RetrierHooks;
  readonly #emitter: TypedEmitter<ProducerEvents>;
  readonly #metrics: ProducerMetrics;
  /** Set by an aborted close(): nothing is retried any more, so every record still held gets a fate now. */
  #abandoned = false;

  constructor(
    settings: RetrierSettings,
    hooks: RetrierHooks,
    emitter: TypedEmitter<ProducerEvents>,
    metrics: ProducerMetrics,
  ) {
    this.#settings = settings;
    this.#hooks = hooks;
    this.#emitter = emitter;
    this.#metrics = metrics;
  }

  handle(records: readonly OutgoingRecord[], outcome: SendOutcome): void {
    const now = this.#settings.clock.now();
    const { startedAt, durationMs, entries } = outcome;
    // Failures are handled last to first, so records of one shard go back to the front in their original order.
    const failed: number[] = [];
    const failures: Failure[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as OutgoingRecord;
      const entry: PutRecordsResultEntry | undefined = entries?.[i];
      if (entry !== undefined && entry.ErrorCode === undefined && entry.SequenceNumber !== undefined) {
        const shardId = entry.ShardId ?? record.shard.shardId;
        record.addAttempt({ startedAt, durationMs, success: true, shardId });
        this.#stored(record, shardId, entry.SequenceNumber);
        continue;
      }
      const failure =
        outcome.failure ?? classifyEntryError(entry?.ErrorCode ?? 'UnknownError', entry?.ErrorMessage ?? undefined);
      record.addAttempt({
        startedAt,
        durationMs,
        success: false,
        errorCode: failure.code,
        errorMessage: failure.message,
      });
      this.#metrics.error(failure.code);
      record.shard.metrics?.error(failure.code);
      failed.push(i);
      failures.push(failure);
    }
    const throttledShards = new Set<string>();
    for (let f = failed.length - 1; f >= 0; f--) {
      const record = records[failed[f] as number] as OutgoingRecord;
      const failure = failures[f] as Failure;
      if (failure.kind === FailureKind.THROTTLED && !throttledShards.has(record.shard.shardId)) {
        throttledShards.add(record.shard.shardId);
        record.shard.limiter.onThrottled(now);
        this.#emitter.emitLazy('producer.throttled', () => ({
          shardId: record.shard.shardId,
          errorCode: failure.code,
        }));
      }
      this.#failed(record, failure, now);
    }
  }

  /** From now on a record that would be retried fails with ProducerClosedError instead (close() was aborted). */
  abandon(): void {
    this.#abandoned = true;
  }

  get abandoned(): boolean {
    return this.#abandoned;
  }

  /**
   * Fails the user records of `record` not settled yet with ProducerClosedError, each with every attempt made to
   * send it: close() was aborted before they were stored.
   */
  close(record: OutgoingRecord): void {
    for (const user of record.records) if (!user.settled) this.closeUser(user, user.allAttempts(record.attempts));
  }

  /**
   * Fails one user record with ProducerClosedError (close() aborted before it was stored); `errorCode` is its last
   * attempt's.
   */
  closeUser(user: PendingRecord, attempts: readonly Attempt[]): void {
    const errorCode = attempts[attempts.length - 1]?.errorCode;
    this.#hooks.reject(
      user,
      new ProducerClosedError(
        attempts.length === 0
          ? 'close() was aborted before the record was sent'
          : `close() was aborted before the record was stored (${attempts.length} attempt(s)${errorCode === undefined ? '' : `; last error ${errorCode}`})`,
        user.input,
        attempts,
        { errorCode },
      ),
    );
  }

  /** Fails every user record of `record` with RecordExpiredError. */
  expire(record: OutgoingRecord): void {
    const last = record.attempts[record.attempts.length - 1];
    const code = last?.errorCode;
    this.#metrics.userRecordExpired += record.records.length;
    record.shard.metrics?.failed(record.records.length, true);
    this.#emitter.emitLazy('producer.record_expired', () => ({
      shardId: record.shard.shardId,
      userRecordCount: record.records.length,
    }));
    this.#settleRetries(record);
    for (const user of record.records) {
      const attempts = user.allAttempts(record.attempts);
      this.#hooks.reject(
        user,
        new RecordExpiredError(
          `Record expired after ${attempts.length} attempt(s)${expiryDetail(attempts, code)}`,
          user.input,
          attempts,
          { errorCode: code, retriable: true },
        ),
      );
    }
  }

  #stored(record: OutgoingRecord, shardId: string, sequenceNumber: string): void {
    if (shardId !== record.shard.shardId) {
      this.#hooks.mismatch(record, shardId, sequenceNumber);
      return;
    }
    this.resolveAll(record, shardId, sequenceNumber);
    // Stored where predicted, nothing reads its data any more (a mismatch may still re-send its user records).
    record.shard.recycle(record);
  }

  /** Resolves every user record of a stored Kinesis record (or the subset `only`, by index). */
  resolveAll(record: OutgoingRecord, shardId: string, sequenceNumber: string, only?: (index: number) => boolean): void {
    const metrics = this.#metrics;
    const users = record.records;
    const attempts: readonly Attempt[] = record.attempts;
    metrics.kinesisRecordsPut++;
    metrics.kinesisRecordsDataPut += record.data.length;
    metrics.userRecordsPerKinesisRecord.add(users.length);
    this.#settleRetries(record);
    const resolve = this.#hooks.resolve;
    const shardMetrics = record.shard.metrics;
    if (!record.aggregated) {
      const user = users[0] as PendingRecord;
      metrics.userRecordsPut++;
      metrics.userRecordsDataPut += user.data.length;
      shardMetrics?.stored(1, user.data.length, record.data.length);
      resolve(user, { shardId, sequenceNumber, attempts: user.allAttempts(attempts) });
      return;
    }
    if (only === undefined) {
      // Counted once per Kinesis record, not per user record.
      metrics.userRecordsPut += users.length;
      metrics.userRecordsDataPut += record.userDataBytes;
      shardMetrics?.stored(users.length, record.userDataBytes, record.data.length);
      for (let i = 0; i < users.length; i++) {
        const user = users[i] as PendingRecord;
        resolve(user, { shardId, sequenceNumber, subSequenceNumber: i, attempts: user.allAttempts(attempts) });
      }
      return;
    }
    let stored = 0;
    let storedBytes = 0;
    for (let i = 0; i < users.length; i++) {
      if (!only(i)) continue;
      const user = users[i] as PendingRecord;
      metrics.userRecordsPut++;
      metrics.userRecordsDataPut += user.data.length;
      stored++;
      storedBytes += user.data.length;
      resolve(user, { shardId, sequenceNumber, subSequenceNumber: i, attempts: user.allAttempts(attempts) });
    }
    shardMetrics?.stored(stored, storedBytes, record.data.length);
  }

  #settleRetries(record: OutgoingRecord): void {
    const retries = Math.max(0, record.attempts.length - 1);
    this.#metrics.retriesPerRecord.add(retries, record.records.length);
    record.shard.metrics?.retries(retries, record.records.length);
  }

  #failed(record: OutgoingRecord, failure: Failure, now: number): void {
    if (
      failure.kind === FailureKind.FATAL ||
      (failure.kind === FailureKind.THROTTLED && this.#settings.failIfThrottled)
    ) {
      this.#emitter.emitLazy('producer.record_failed', () => ({
        shardId: record.shard.shardId,
        errorCode: failure.code,
        userRecordCount: record.records.length,
      }));
      this.#settleRetries(record);
      record.shard.metrics?.failed(record.records.length, false);
      const ErrorClass = failure.kind === FailureKind.FATAL ? RecordRejectedError : RecordThrottledError;
      for (const user of record.records) {
        this.#hooks.reject(
          user,
          new ErrorClass(`${failure.code}: ${failure.message}`, user.input, user.allAttempts(record.attempts), {
            errorCode: failure.code,
            retriable: failure.kind !== FailureKind.FATAL,
          }),
        );
      }
      return;
    }
    if (this.#abandoned) {
      this.#settleRetries(record);
      this.close(record);
      return;
    }
    const attempt = record.attempts.length;
    const delayMs = backoffDelay(
      attempt,
      { baseDelayMs: this.#settings.retryBaseDelayMs, maxDelayMs: this.#settings.retryMaxDelayMs },
      this.#settings.random,
    );
    if (now + delayMs >= record.expiresAt) {
      this.expire(record);
      return;
    }
    record.notBefore = now + delayMs;
    this.#emitter.emitLazy('producer.retry', () => ({
      shardId: record.shard.shardId,
      errorCode: failure.code,
      attempt,
      delayMs,
      userRecordCount: record.records.length,
    }));
    this.#hooks.requeue(record);
  }
}

/** Why an expired record's attempts did not store it, for the error message. */
function expiryDetail(attempts: readonly Attempt[], code: string | undefined): string {
  if (attempts.length === 0) return ' (never sent)';
  if (code !== undefined) return `; last error ${code}`;
  // Its last attempt stored it, in a shard other than predicted (a reshard): it was being sent again.
  const last = attempts[attempts.length - 1];
  return last?.success === true
    ? `; last stored in ${last.shardId ?? 'another shard'}, being re-sent after a reshard`
    : '';
}
