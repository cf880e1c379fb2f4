import { describe, expect, it } from 'vitest';
import { TokenBucket } from './TokenBucket.js';

describe('TokenBucket', () => {
  it('starts full with one second of tokens and refills continuously at the rate', () => {
    const bucket = new TokenBucket(1000, 0);
    expect(bucket.canTake(1000, 0)).toBe(true);
    bucket.take(1000, 0);
    expect(bucket.canTake(1, 0)).toBe(false);
    expect(bucket.msUntil(1, 0)).toBe(1);
    expect(bucket.msUntil(500, 0)).toBe(500);
    expect(bucket.canTake(500, 499)).toBe(false);
    expect(bucket.canTake(500, 500)).toBe(true);
  });

  it('never holds more than its capacity, however long it idles', () => {
    const bucket = new TokenBucket(100, 0);
    expect(bucket.canTake(101, 1_000_000)).toBe(true); // over capacity: allowed only when full (below)
    bucket.take(100, 1_000_000);
    expect(bucket.canTake(1, 1_000_000)).toBe(false);
    expect(bucket.msUntil(100, 1_000_000)).toBe(1000);
  });

  it('lets a take larger than the capacity through when full, then owes the difference', () => {
    const bucket = new TokenBucket(10, 0);
    expect(bucket.canTake(50, 0)).toBe(true);
    bucket.take(50, 0); // 10 - 50 = -40 tokens
    expect(bucket.canTake(1, 4000)).toBe(false); // back to 0 after 4 s
    expect(bucket.msUntil(1, 4000)).toBe(100);
    expect(bucket.msUntil(50, 4000)).toBe(1000); // capped at the capacity
  });

  it('drain() empties it (a throttling answer) and never adds tokens to a debt', () => {
    const bucket = new TokenBucket(1000, 0);
    bucket.drain(0);
    expect(bucket.canTake(1, 0)).toBe(false);
    expect(bucket.canTake(1, 1)).toBe(true);
    bucket.take(2000, 1000); // -1000
    bucket.drain(1000);
    expect(bucket.msUntil(1, 1000)).toBe(1001);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket(1000, 100);
    bucket.take(1000, 100);
    expect(bucket.canTake(1, 50)).toBe(false);
    expect(bucket.canTake(1, 101)).toBe(true);
  });
});
