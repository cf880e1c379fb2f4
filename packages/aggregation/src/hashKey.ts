import { hash } from 'node:crypto';
import { MAX_HASH_KEY } from './constants.js';
import { InvalidHashKeyError } from './errors.js';

/** An inclusive range of 128-bit hash keys, as a shard's `HashKeyRange`. */
export interface HashKeyRange {
  startingHashKey: bigint;
  endingHashKey: bigint;
}

const MAX_HASH_KEY_DECIMAL = MAX_HASH_KEY.toString(); // 39 digits
/** Kinesis' own pattern for `ExplicitHashKey` (no sign, no leading zeros, at most 39 digits). */
const EXPLICIT_HASH_KEY_PATTERN = /^(?:0|[1-9]\d{0,38})$/;
const DECIMAL_DIGITS = /^\d+$/;

/**
 * The hash key Kinesis derives from a partition key: the MD5 of its UTF-8 bytes read as an unsigned 128-bit
 * big-endian integer. About 0.5 µs; callers on hot paths should cache it per key.
 */
export function partitionKeyHash(partitionKey: string): bigint {
  // The one-shot hex digest is the cheapest route to a BigInt (no 16-byte Buffer allocation).
  return BigInt(`0x${hash('md5', partitionKey, 'hex')}`);
}

/**
 * True when `value` is an explicit hash key Kinesis accepts: decimal, no sign or leading zeros, ≤ 2^128 − 1.
 * Cheap (a regex and at most one string comparison); no BigInt is built.
 */
export function isValidExplicitHashKey(value: string): boolean {
  if (!EXPLICIT_HASH_KEY_PATTERN.test(value)) return false;
  // Same length → lexicographic order is numeric order.
  return value.length < 39 || value <= MAX_HASH_KEY_DECIMAL;
}

/** Parses an explicit hash key; throws {@link InvalidHashKeyError} unless it is valid for Kinesis. */
export function parseExplicitHashKey(value: string): bigint {
  if (typeof value !== 'string' || !isValidExplicitHashKey(value)) throw new InvalidHashKeyError(String(value));
  return BigInt(value);
}

/**
 * Lenient check used when reading aggregates written by other producers: every run of decimal digits (leading zeros
 * allowed, as Java's `BigInteger` accepts) whose value is ≤ 2^128 − 1.
 */
export function isDecimalHashKey(value: string): boolean {
  if (!DECIMAL_DIGITS.test(value)) return false;
  if (value.length <= 38) return true;
  return BigInt(value) <= MAX_HASH_KEY;
}

/** The hash key that routes a record: its explicit hash key if set, else the MD5 of its partition key. */
export function effectiveHashKey(record: { partitionKey: string; explicitHashKey?: string | undefined }): bigint {
  return record.explicitHashKey === undefined
    ? partitionKeyHash(record.partitionKey)
    : parseExplicitHashKey(record.explicitHashKey);
}

/** Whether `hashKey` lies in the inclusive `range`. */
export function isInHashKeyRange(hashKey: bigint, range: HashKeyRange): boolean {
  return hashKey >= range.startingHashKey && hashKey <= range.endingHashKey;
}

/**
 * Converts an SDK `Shard.HashKeyRange` (decimal strings) to a {@link HashKeyRange}. Throws
 * {@link InvalidHashKeyError} when a bound is missing or not a valid hash key.
 */
export function parseHashKeyRange(range: {
  StartingHashKey?: string | undefined;
  EndingHashKey?: string | undefined;
}): HashKeyRange {
  const start = range.StartingHashKey;
  const end = range.EndingHashKey;
  if (start === undefined || !isDecimalHashKey(start)) throw new InvalidHashKeyError(String(start));
  if (end === undefined || !isDecimalHashKey(end)) throw new InvalidHashKeyError(String(end));
  return { startingHashKey: BigInt(start), endingHashKey: BigInt(end) };
}
