import { isValidExplicitHashKey } from '@kinesis-kit/aggregation';
import { ValidationError, ValidationErrorReason } from '../errors.js';

const MAX_PARTITION_KEY_CHARS = 256;

/**
 * Checks a partition key and returns its UTF-8 byte length. Throws {@link ValidationError}. `record` is what the
 * caller passed (carried by the error).
 */
export function validatePartitionKey(partitionKey: unknown, record: unknown): number {
  if (typeof partitionKey !== 'string') {
    throw new ValidationError(
      ValidationErrorReason.PARTITION_KEY_TYPE,
      `partitionKey must be a string, got ${typeof partitionKey}`,
      record,
    );
  }
  if (partitionKey.length === 0) {
    throw new ValidationError(ValidationErrorReason.PARTITION_KEY_EMPTY, 'partitionKey must not be empty', record);
  }
  // Kinesis counts Unicode characters (code points); UTF-16 length over-counts only astral characters.
  if (partitionKey.length > MAX_PARTITION_KEY_CHARS && codePointCount(partitionKey) > MAX_PARTITION_KEY_CHARS) {
    throw new ValidationError(
      ValidationErrorReason.PARTITION_KEY_TOO_LONG,
      `partitionKey has ${codePointCount(partitionKey)} Unicode characters; Kinesis allows ${MAX_PARTITION_KEY_CHARS}`,
      record,
    );
  }
  return Buffer.byteLength(partitionKey, 'utf8');
}

/** Checks an explicit hash key (when not undefined). Throws {@link ValidationError}. */
export function validateExplicitHashKey(explicitHashKey: unknown, record: unknown): void {
  if (typeof explicitHashKey !== 'string' || !isValidExplicitHashKey(explicitHashKey)) {
    throw new ValidationError(
      ValidationErrorReason.EXPLICIT_HASH_KEY_INVALID,
      `explicitHashKey must be a decimal integer in 0 … 2^128 − 1 (no sign, no leading zeros), got ${String(explicitHashKey)}`,
      record,
    );
  }
}

/** Returns the record's data as bytes (strings become UTF-8). Throws {@link ValidationError} for other types. */
export function toDataBytes(data: unknown, record: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  throw new ValidationError(
    ValidationErrorReason.DATA_TYPE,
    `data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`,
    record,
  );
}

/** Throws {@link ValidationError} when data + partition key exceed `maxRecordBytes`. */
export function checkRecordSize(dataBytes: number, keyBytes: number, maxRecordBytes: number, record: unknown): void {
  if (dataBytes + keyBytes > maxRecordBytes) {
    throw new ValidationError(
      ValidationErrorReason.RECORD_TOO_LARGE,
      `data (${dataBytes} bytes) plus partition key (${keyBytes} bytes) exceed the record limit of ${maxRecordBytes} bytes`,
      record,
    );
  }
}

/**
 * Validates a whole record as `put()` does, without putting it: throws {@link ValidationError} for anything Kinesis
 * would refuse. Useful to reject bad input at an API edge.
 */
export function validateRecord(record: unknown, maxRecordBytes = 1_048_576): void {
  if (record === null || typeof record !== 'object') {
    throw new ValidationError(ValidationErrorReason.RECORD_TYPE, 'a record must be an object', record);
  }
  const { data, partitionKey, explicitHashKey } = record as Record<string, unknown>;
  const keyBytes = validatePartitionKey(partitionKey, record);
  if (explicitHashKey !== undefined) validateExplicitHashKey(explicitHashKey, record);
  const bytes = toDataBytes(data, record);
  checkRecordSize(bytes.length, keyBytes, maxRecordBytes, record);
}

function codePointCount(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
