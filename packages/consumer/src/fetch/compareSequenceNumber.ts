/**
 * Compares two Kinesis sequence numbers (decimal strings without leading zeros) numerically without BigInt:
 * a longer string is a larger number, equal lengths compare as strings. Negative, zero or positive.
 */
export function compareSequenceNumber(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares (sequenceNumber, subSequenceNumber) positions: sequence first, then sub-sequence. */
export function comparePosition(
  a: { sequenceNumber: string; subSequenceNumber: number },
  b: { sequenceNumber: string; subSequenceNumber: number },
): number {
  return compareSequenceNumber(a.sequenceNumber, b.sequenceNumber) || a.subSequenceNumber - b.subSequenceNumber;
}

/** True when `value` looks like a Kinesis sequence number (digits only), not a sentinel such as `TRIM_HORIZON`. */
export function isSequenceNumber(value: string): boolean {
  return /^[0-9]+$/.test(value);
}
