/**
 * A checkpoint position: a Kinesis sequence number plus the index of a user record inside a KPL-aggregated
 * record (0 for plain records), or one of the KCL sentinel strings in `sequenceNumber`.
 */
export interface ExtendedSequenceNumber {
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
}

/** The KCL sentinel checkpoints, stored verbatim in the lease item's `checkpoint` attribute. */
export const SentinelCheckpoint = {
  TRIM_HORIZON: 'TRIM_HORIZON',
  LATEST: 'LATEST',
  SHARD_END: 'SHARD_END',
  AT_TIMESTAMP: 'AT_TIMESTAMP',
} as const;
export type SentinelCheckpoint = (typeof SentinelCheckpoint)[keyof typeof SentinelCheckpoint];

const SENTINELS: ReadonlySet<string> = new Set(Object.values(SentinelCheckpoint));
const DIGITS = /^\d+$/;

// Sentinels before every real sequence number, in the KCL's order; SHARD_END after all of them.
const SENTINEL_RANK: Readonly<Record<string, number>> = {
  AT_TIMESTAMP: -3,
  TRIM_HORIZON: -2,
  LATEST: -1,
};

/** Builds a position; `subSequenceNumber` defaults to 0. */
export function extendedSequenceNumber(sequenceNumber: string, subSequenceNumber = 0): ExtendedSequenceNumber {
  return { sequenceNumber, subSequenceNumber };
}

export const TRIM_HORIZON: ExtendedSequenceNumber = Object.freeze(extendedSequenceNumber('TRIM_HORIZON'));
export const LATEST: ExtendedSequenceNumber = Object.freeze(extendedSequenceNumber('LATEST'));
export const SHARD_END: ExtendedSequenceNumber = Object.freeze(extendedSequenceNumber('SHARD_END'));
export const AT_TIMESTAMP: ExtendedSequenceNumber = Object.freeze(extendedSequenceNumber('AT_TIMESTAMP'));

/** True for `TRIM_HORIZON`, `LATEST`, `SHARD_END`, `AT_TIMESTAMP`. */
export function isSentinelCheckpoint(position: ExtendedSequenceNumber): boolean {
  return SENTINELS.has(position.sequenceNumber);
}

/** True when the shard was read to its end and its children may start. */
export function isShardEnd(position: ExtendedSequenceNumber | undefined): boolean {
  return position?.sequenceNumber === SentinelCheckpoint.SHARD_END;
}

/** True when `sequenceNumber` is a string of digits or a sentinel. */
export function isValidExtendedSequenceNumber(position: ExtendedSequenceNumber): boolean {
  return (
    (DIGITS.test(position.sequenceNumber) || SENTINELS.has(position.sequenceNumber)) &&
    Number.isSafeInteger(position.subSequenceNumber) &&
    position.subSequenceNumber >= 0
  );
}

/** True when `value` is a Kinesis sequence number (digits only), not a sentinel such as `TRIM_HORIZON`. */
export function isSequenceNumber(value: string): boolean {
  return DIGITS.test(value);
}

/**
 * Compares two Kinesis sequence numbers (decimal strings without leading zeros, often beyond 2^53) numerically
 * without BigInt: a longer string is a larger number; equal lengths compare as strings. Negative, zero or positive.
 */
export function compareSequenceNumber(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders positions as the KCL does: `SHARD_END` is greatest; `AT_TIMESTAMP` < `TRIM_HORIZON` < `LATEST` < every
 * sequence number; sequence numbers compare numerically, then by sub-sequence number. Returns -1, 0 or 1.
 * Throws `TypeError` for a value that is neither digits nor a sentinel.
 */
export function compareExtendedSequenceNumbers(a: ExtendedSequenceNumber, b: ExtendedSequenceNumber): number {
  const aEnd = a.sequenceNumber === SentinelCheckpoint.SHARD_END;
  const bEnd = b.sequenceNumber === SentinelCheckpoint.SHARD_END;
  if (aEnd || bEnd) return aEnd === bEnd ? 0 : aEnd ? 1 : -1;
  const av = SENTINEL_RANK[a.sequenceNumber] ?? checkDigits(a.sequenceNumber);
  const bv = SENTINEL_RANK[b.sequenceNumber] ?? checkDigits(b.sequenceNumber);
  if (av !== bv) return av < bv ? -1 : 1;
  if (av === 0) {
    const bySequence = compareSequenceNumber(a.sequenceNumber, b.sequenceNumber);
    if (bySequence !== 0) return Math.sign(bySequence);
  }
  return Math.sign(a.subSequenceNumber - b.subSequenceNumber);
}

/** 0 (the rank of every real sequence number) for digits; throws for anything else. */
function checkDigits(sequenceNumber: string): number {
  if (!DIGITS.test(sequenceNumber)) {
    throw new TypeError(`Expected a sequence number or a sentinel checkpoint, got ${JSON.stringify(sequenceNumber)}`);
  }
  return 0;
}
