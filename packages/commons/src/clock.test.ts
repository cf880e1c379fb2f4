import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('is monotonic: a wall-clock step backwards or forwards does not move it', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const before = systemClock.now();
    vi.advanceTimersByTime(1_000);
    vi.setSystemTime(Date.now() - 3_600_000); // the wall clock is set back an hour
    const afterBackStep = systemClock.now();
    expect(afterBackStep - before).toBe(1_000);
    vi.setSystemTime(Date.now() + 7_200_000); // and two hours forward
    vi.advanceTimersByTime(500);
    expect(systemClock.now() - afterBackStep).toBe(500);
  });
});
