import { type ConfigurationProblem, KinesisKitError } from '@kinesis-kit/commons';
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

/**
 * What a log line, `JSON.stringify`, `util.inspect` or `console.error` shows of the record an error carries: sizes,
 * never contents (the record itself is a non-enumerable property: reachable as `error.record`, never serialized).
 */
export interface RecordSummary {
  /** Length of the partition key in UTF-16 code units; undefined when it is not a string. */
  partitionKeyLength: number | undefined;
  /** Bytes of `data` (UTF-8 bytes for a string); undefined when it is neither bytes nor a string. */
  dataBytes: number | undefined;
}

/** Sizes of what the caller passed as a record; reads nothing else. */
export function summarizeRecord(record: unknown): RecordSummary {
  if (record === null || typeof record !== 'object') return { partitionKeyLength: undefined, dataBytes: undefined };
  const { partitionKey, data } = record as { partitionKey?: unknown; data?: unknown };
  return {
    partitionKeyLength: typeof partitionKey === 'string' ? partitionKey.length : undefined,
    dataBytes:
      data instanceof Uint8Array ? data.length : typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : undefined,
  };
}

/** Keeps `record` on `error` as a non-enumerable property (reachable, never serialized) and adds its summary. */
function attachRecord(error: Error, record: unknown): void {
  Object.defineProperty(error, 'record', { value: record, enumerable: false, writable: false, configurable: true });
  Object.defineProperty(error, 'recordSummary', {
    value: summarizeRecord(record),
    enumerable: true,
    writable: false,
    configurable: true,
  });
}

/** Thrown by `put()` (as a rejected promise, before anything is queued) for a record Kinesis would refuse. */
export class ValidationError extends KinesisKitError {
  readonly reason: ValidationErrorReason;
  /** What the caller passed. Non-enumerable: never in a log line, `JSON.stringify` or `util.inspect` output. */
  declare readonly record: unknown;
  /** Partition key length and data size of `record`: what serializations show instead of it. */
  declare readonly recordSummary: RecordSummary;
  constructor(reason: ValidationErrorReason, message: string, record: unknown) {
    super(message);
    this.reason = reason;
    attachRecord(this, record);
  }
}

/**
 * Base of every error a `put()` promise rejects with once the record was accepted: carries the record as given and
 * every attempt made to send it, so callers can dead-letter it.
 */
export class PutRecordError extends KinesisKitError {
  /**
   * The record exactly as passed to `put()`. Non-enumerable: never in a log line, `JSON.stringify`, `util.inspect`
   * or `console.error` output (they show {@link PutRecordError.recordSummary}).
   */
  declare readonly record: ProducerRecord;
  /** Partition key length and data size of `record`: what serializations show instead of it. */
  declare readonly recordSummary: RecordSummary;
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
    attachRecord(this, record);
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

/**
 * The client is misconfigured, so nothing can be sent: no region, no credentials, an endpoint that is not a URL —
 * or, before any call succeeded, an endpoint whose host does not resolve or refuses connections. The records waiting
 * for the first shard map fail with it at once (not after `recordTtlMs`); the next `put()` tries again. `problem`
 * says what to fix; `cause` is the SDK's error.
 */
export class ProducerConfigurationError extends RecordRejectedError {
  readonly problem: ConfigurationProblem;
  constructor(
    problem: ConfigurationProblem,
    message: string,
    record: ProducerRecord,
    options: { errorCode?: string | undefined; cause?: unknown },
  ) {
    super(message, record, [], { ...options, retriable: false });
    this.problem = problem;
  }
}

/** `put()` after `close()`, or a record abandoned when `close({ signal })` was aborted. */
export class ProducerClosedError extends PutRecordError {}
