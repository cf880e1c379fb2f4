import type { Clock } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { ConsumerMetrics } from './ConsumerMetrics.js';

function manualClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    setTimeout: () => ({ cancel() {} }),
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('ConsumerMetrics snapshot', () => {
  it('several readers see the same totals and rate: reading resets nothing', () => {
    // Prepare
    const clock = manualClock();
    const metrics = new ConsumerMetrics(clock);
    for (let i = 0; i < 10; i++) {
      clock.advance(1_000);
      metrics.batch('shard-0', 100, 500 - i * 50, new Date(clock.now()));
    }

    // Act: a health check and a dashboard read at the same moment, then again a little later.
    const healthCheck = metrics.snapshot();
    const dashboard = metrics.snapshot();
    clock.advance(10);
    const later = metrics.snapshot();

    // Assess
    expect(healthCheck.recordsProcessed).toBe(1_000);
    expect(healthCheck.recordsPerSecond).toBeCloseTo(100, 0);
    expect(dashboard.recordsPerSecond).toBeCloseTo(healthCheck.recordsPerSecond, 5);
    expect(later.recordsPerSecond).toBeCloseTo(healthCheck.recordsPerSecond, 0);
  });

  it('the rate covers the trailing minute: a stall shows as a falling rate, not as the lifetime average', () => {
    const clock = manualClock();
    const metrics = new ConsumerMetrics(clock);
    for (let i = 0; i < 120; i++) {
      clock.advance(1_000);
      metrics.batch('shard-0', 50, 0, undefined);
    }
    clock.advance(30_000); // half a minute without records
    expect(metrics.snapshot().recordsPerSecond).toBeCloseTo(25, 0);
    clock.advance(31_000);
    expect(metrics.snapshot().recordsPerSecond).toBe(0);
    expect(metrics.snapshot().recordsProcessed).toBe(6_000);
  });

  it('the stream-wide maximum of MillisBehindLatest over the shards held', () => {
    const metrics = new ConsumerMetrics(manualClock());
    metrics.batch('shard-0', 1, 1_200, undefined);
    metrics.batch('shard-1', 1, 90_000, undefined);
    metrics.batch('shard-2', 0, undefined, undefined);
    expect(metrics.snapshot().maxMillisBehindLatest).toBe(90_000);
    metrics.remove('shard-1');
    expect(metrics.snapshot().maxMillisBehindLatest).toBe(1_200);
  });
});
