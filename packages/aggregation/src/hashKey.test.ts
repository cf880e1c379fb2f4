import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_HASH_KEY } from './constants.js';
import { InvalidHashKeyError } from './errors.js';
import {
  effectiveHashKey,
  isDecimalHashKey,
  isInHashKeyRange,
  isValidExplicitHashKey,
  parseExplicitHashKey,
  parseHashKeyRange,
  partitionKeyHash,
} from './hashKey.js';

describe('hash keys', () => {
  it('hashes a partition key as the unsigned 128-bit MD5 of its UTF-8 bytes', () => {
    expect(partitionKeyHash('')).toBe(0xd41d8cd98f00b204e9800998ecf8427en);
    for (const key of ['a', 'ключ', '😀', 'x'.repeat(256)]) {
      const expected = BigInt(`0x${createHash('md5').update(Buffer.from(key, 'utf8')).digest('hex')}`);
      expect(partitionKeyHash(key)).toBe(expected);
    }
  });

  it('accepts exactly the explicit hash keys Kinesis accepts', () => {
    expect(parseExplicitHashKey('0')).toBe(0n);
    expect(parseExplicitHashKey(MAX_HASH_KEY.toString())).toBe(MAX_HASH_KEY);
    expect(parseExplicitHashKey('340282366920938463463374607431768211454')).toBe(MAX_HASH_KEY - 1n);
    for (const bad of [
      '',
      '-0',
      '-1',
      '+1',
      '01',
      '1.0',
      '1e3',
      'abc',
      ' 1',
      '1 ',
      (MAX_HASH_KEY + 1n).toString(),
      '9'.repeat(39),
    ]) {
      expect(isValidExplicitHashKey(bad)).toBe(false);
      expect(() => parseExplicitHashKey(bad)).toThrow(InvalidHashKeyError);
    }
  });

  it('reads other producers’ hash keys leniently (leading zeros, as Java BigInteger)', () => {
    expect(isDecimalHashKey('007')).toBe(true);
    expect(isDecimalHashKey(`0${MAX_HASH_KEY}`)).toBe(true);
    expect(isDecimalHashKey((MAX_HASH_KEY + 1n).toString())).toBe(false);
    expect(isDecimalHashKey('-1')).toBe(false);
  });

  it('picks the explicit hash key over the partition key hash', () => {
    expect(effectiveHashKey({ partitionKey: 'k' })).toBe(partitionKeyHash('k'));
    expect(effectiveHashKey({ partitionKey: 'k', explicitHashKey: '5' })).toBe(5n);
    expect(() => effectiveHashKey({ partitionKey: 'k', explicitHashKey: 'x' })).toThrow(InvalidHashKeyError);
  });

  it('tests inclusive ranges and parses SDK hash key ranges', () => {
    const range = parseHashKeyRange({ StartingHashKey: '10', EndingHashKey: '20' });
    expect(range).toEqual({ startingHashKey: 10n, endingHashKey: 20n });
    expect([9n, 10n, 20n, 21n].map((h) => isInHashKeyRange(h, range))).toEqual([false, true, true, false]);
    expect(() => parseHashKeyRange({ StartingHashKey: '1' })).toThrow(InvalidHashKeyError);
    expect(() => parseHashKeyRange({ StartingHashKey: 'x', EndingHashKey: '2' })).toThrow(InvalidHashKeyError);
  });
});
