import { KinesisKitError } from '@kinesis-kit/commons';
import type { Attempt, ProducerRecord } from './types.js';

/** Why {@link ValidationError} rejected a record. */
export const ValidationErrorReason = {
  /** The argument is not a record object. */
  RECORD_TYPE: 'record_type',
  /** `data` is neither a `Uint8Array` nor a `string`. */
  DATA_TYPE: 'data_type',
  /** `data` plus the partition key (UTF-8 bytes) exceeds `maxRecordBytes`. */
  RECORD_TOO_LARGE: 'record_too_large',
  /** `partitionKey` is not a string. */
  PARTITION_KEY_TYPE: 'partition_key_type',
  /** `partitionKey` is empty. */
  PARTITION_KEY_EMPTY: 'partition_key_empty',
  /** `partitionKey` has more than 256 Unicode characters. */
  PARTITION_KEY_TOO_LONG: 'partition_key_too_long',
  /** `explicitHashKey` is not a decimal integer in 0 … 2^128 − 1. */
  EXPLICIT_HASH_KEY_INVALID: 'explicit_hash_key_invalid',
} as const;
export type ValidationErrorReason = (typeof ValidationErrorReason)[keyof typeof ValidationErrorReason];

/** Thrown by `put()` (as a rejected promise, before anything is queued) for a record Kinesis would refuse. */
export class ValidationError extends KinesisKitError {
  readonly reason: ValidationErrorReason;
  /** What the caller passed (not enumerable: see {@link hideRecord}). */
  declare readonly record: unknown;
  constructor(reason: ValidationErrorReason, message: string, record: unknown) {
    super(message);
    this.reason = reason;
    hideRecord(this, record);
  }
}

/**
 * Attaches the record as a non-enumerable property: callers read `error.record` (to dead-letter it), but logging
 * the error (pino's `err` serializer, `JSON.stringify`, `util.inspect`, a test runner's report) never writes the
 * record's data or partition key, which may be personal or secret.
 */
function hideRecord(error: Error, record: unknown): void {
  Object.defineProperty(error, 'record', { value: record, enumerable: false, writable: false, configurable: true });
}

/**
 * Base of every error a `put()` promise rejects with once the record was accepted: carries the record as given and
 * every attempt made to send it, so callers can dead-letter it.
 */
export class PutRecordError extends KinesisKitError {
  /** The record exactly as passed to `put()` (not enumerable: logging the error does not log its data or key). */
  declare readonly record: ProducerRecord;
  /** Every `PutRecords` attempt that carried this record, oldest first. */
  readonly attempts: readonly Attempt[];
  /** The last Kinesis error code (`ProvisionedThroughputExceededException`, `AccessDeniedException`, …), if any. */
  readonly errorCode: string | undefined;
  constructor(
    message: string,
    record: ProducerRecord,
    attempts: readonly Attempt[],
    options: { errorCode?: string | undefined; cause?: unknown; retriable?: boolean } = {},
  ) {
    super(message, { cause: options.cause, retriable: options.retriable ?? false });
    hideRecord(this, record);
    this.attempts = attempts;
    this.errorCode = options.errorCode;
  }
}

/** The record was still unsent (or still failing) `recordTtlMs` after it was accepted. */
export class RecordExpiredError extends PutRecordError {}

/** Kinesis throttled the record and `failIfThrottled` is on (retriable: the caller may try again later). */
export class RecordThrottledError extends PutRecordError {}

/**
 * Kinesis refused the record with an error retrying cannot fix: stream not found, access denied, KMS key
 * disabled or missing, validation. `errorCode` names it.
 */
export class RecordRejectedError extends PutRecordError {}

/** `put()` after `close()`, or a record abandoned when `close({ signal })` was aborted. */
export class ProducerClosedError extends PutRecordError {}
