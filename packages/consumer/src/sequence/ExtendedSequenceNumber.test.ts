import { describe, expect, it } from 'vitest';
import {
  AT_TIMESTAMP,
  compareExtendedSequenceNumbers,
  extendedSequenceNumber as esn,
  isValidExtendedSequenceNumber,
  LATEST,
  SHARD_END,
  TRIM_HORIZON,
} from './ExtendedSequenceNumber.js';

describe('compareExtendedSequenceNumbers', () => {
  it('orders sentinels as the KCL does and sequence numbers numerically beyond 2^53', () => {
    const big = esn('49590338271490256608559692538361571095921575989136588898');
    const bigger = esn('49590338271490256608559692538361571095921575989136588899');
    const ordered = [AT_TIMESTAMP, TRIM_HORIZON, LATEST, esn('9'), esn('10'), big, bigger, SHARD_END];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compareExtendedSequenceNumbers(ordered[i]!, ordered[j]!))).toBe(Math.sign(i - j));
      }
    }
  });

  it('breaks ties by sub-sequence number', () => {
    expect(compareExtendedSequenceNumbers(esn('5', 1), esn('5', 2))).toBe(-1);
    expect(compareExtendedSequenceNumbers(esn('5', 2), esn('5', 2))).toBe(0);
  });

  it('rejects values that are neither digits nor sentinels', () => {
    expect(() => compareExtendedSequenceNumbers(esn('abc'), esn('1'))).toThrow(TypeError);
    expect(isValidExtendedSequenceNumber(esn('12a'))).toBe(false);
    expect(isValidExtendedSequenceNumber(esn('12', -1))).toBe(false);
    expect(isValidExtendedSequenceNumber(SHARD_END)).toBe(true);
  });
});
