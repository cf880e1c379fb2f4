import { describe, expect, it } from 'vitest';
import { kcl2RequestsPerMinute, scanPeriods, takersNeededAfterCrash } from './takingSchedule.js';

const DEFAULTS = {
  failoverTimeMs: 10_000,
  renewalIntervalMs: 5_000,
  takingIntervalMs: 1_000,
  maxTakingIntervalMs: 2_000,
  scanBudgetShare: 0.9,
  maxLeasesForWorker: Number.POSITIVE_INFINITY,
};

/** Nominal requests per shard per minute: renewals + the fleet's scans. */
function ours(leases: number, workers: number): number {
  const { fleetPeriodMs, workerPeriodMs } = scanPeriods({ ...DEFAULTS, activeLeases: leases, liveWorkers: workers });
  const scans = Math.max(60_000 / fleetPeriodMs, (60_000 / workerPeriodMs) * workers);
  return (60_000 / DEFAULTS.renewalIntervalMs) * leases + scans;
}

describe('takingSchedule', () => {
  it('spends no more than the KCL 2.x budget wherever the takeover bound allows it', () => {
    for (const [leases, workers] of [
      [4, 4],
      [8, 3],
      [32, 4],
      [64, 8],
      [200, 20],
    ] as const) {
      expect(ours(leases, workers)).toBeLessThanOrEqual(kcl2RequestsPerMinute(leases, workers, 10_000));
    }
  });

  it('favours takeover on tiny streams: the fleet scans at least every maxTakingIntervalMs', () => {
    const p = scanPeriods({ ...DEFAULTS, activeLeases: 1, liveWorkers: 2 });
    expect(p.fleetPeriodMs).toBe(2_000);
    expect(ours(1, 2)).toBeGreaterThan(kcl2RequestsPerMinute(1, 2, 10_000));
  });

  it('bounds each worker’s period when several survivors must notice a crash', () => {
    expect(takersNeededAfterCrash(4, 4, Number.POSITIVE_INFINITY)).toBe(1);
    expect(takersNeededAfterCrash(8, 3, Number.POSITIVE_INFINITY)).toBe(2);
    expect(takersNeededAfterCrash(64, 8, Number.POSITIVE_INFINITY)).toBeGreaterThan(1);
    expect(scanPeriods({ ...DEFAULTS, activeLeases: 64, liveWorkers: 8 }).workerPeriodMs).toBeLessThanOrEqual(4_000);
    expect(scanPeriods({ ...DEFAULTS, activeLeases: 4, liveWorkers: 4 }).workerPeriodMs).toBeGreaterThan(4_000);
  });
});
