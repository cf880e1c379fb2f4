import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { parsePauseCycle, testBudgetMs } from './slowdown.js';

describe('parsePauseCycle / testBudgetMs', () => {
  it('reads "<pausedMs>/<runningMs>" and rejects anything else', () => {
    expect(parsePauseCycle(undefined)).toBeUndefined();
    expect(parsePauseCycle('')).toBeUndefined();
    expect(parsePauseCycle('7000/1000')).toEqual({ pausedMs: 7000, runningMs: 1000 });
    for (const bad of ['7000', '7000/0', '-1/10', '1.5/10', 'a/b']) {
      expect(() => parsePauseCycle(bad)).toThrow(InvalidOptionError);
    }
  });

  it('stretches a budget by the duty cycle of a deliberately slowed server, and only then', () => {
    expect(testBudgetMs(60_000, undefined)).toBe(60_000);
    expect(testBudgetMs(60_000, '7000/1000')).toBe(480_000);
    expect(testBudgetMs(1_000, '0/100')).toBe(1_000);
  });
});
