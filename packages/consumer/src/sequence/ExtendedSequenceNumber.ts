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
const SENTINEL_RANK: Readonly<Record<string, bigint>> = {
  AT_TIMESTAMP: -3n,
  TRIM_HORIZON: -2n,
  LATEST: -1n,
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

/**
 * Orders positions as the KCL does: `SHARD_END` is greatest; `AT_TIMESTAMP` < `TRIM_HORIZON` < `LATEST` < every
 * sequence number; sequence numbers compare numerically (they exceed 2^53), then by sub-sequence number.
 * Throws `TypeError` for a value that is neither digits nor a sentinel.
 */
export function compareExtendedSequenceNumbers(a: ExtendedSequenceNumber, b: ExtendedSequenceNumber): number {
  const aEnd = a.sequenceNumber === SentinelCheckpoint.SHARD_END;
  const bEnd = b.sequenceNumber === SentinelCheckpoint.SHARD_END;
  if (aEnd || bEnd) return aEnd === bEnd ? 0 : aEnd ? 1 : -1;
  const av = rank(a.sequenceNumber);
  const bv = rank(b.sequenceNumber);
  if (av !== bv) return av < bv ? -1 : 1;
  return Math.sign(a.subSequenceNumber - b.subSequenceNumber);
}

function rank(sequenceNumber: string): bigint {
  const sentinel = SENTINEL_RANK[sequenceNumber];
  if (sentinel !== undefined) return sentinel;
  if (!DIGITS.test(sequenceNumber)) {
    throw new TypeError(`Expected a sequence number or a sentinel checkpoint, got ${JSON.stringify(sequenceNumber)}`);
  }
  return BigInt(sequenceNumber);
}
