import { silentLogger, systemClock } from '@kinesis-kit/commons';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import { newLease } from './Lease.js';
import { LeaseRenewer } from './LeaseRenewer.js';
import type { LeaseTable } from './LeaseTable.js';

afterEach(() => {
  vi.useRealTimers();
});

function renewer(lost: string[]) {
  return new LeaseRenewer({
    leaseTable: {} as LeaseTable, // isHeld/expiry never touch the table
    workerId: 'w1',
    failoverTimeMs: 10_000,
    clock: systemClock,
    logger: silentLogger(),
    onLost: (lease) => lost.push(lease.leaseKey),
  });
}

describe('LeaseRenewer deadlines (default clock)', () => {
  it('a wall clock set back does not let the owner keep a lease past failoverTimeMs', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const lost: string[] = [];
    const r = renewer(lost);
    r.add({ ...newLease('s-0', TRIM_HORIZON), leaseOwner: 'w1', leaseCounter: 1 }, systemClock.now());
    vi.setSystemTime(Date.now() - 3_600_000); // NTP (or an operator) steps the wall clock back an hour
    vi.advanceTimersByTime(10_001);
    expect(r.isHeld('s-0')).toBe(false);
    r.snapshot();
    expect(lost).toEqual(['s-0']);
  });

  it('a wall clock set forward does not expire a lease early', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const r = renewer([]);
    r.add({ ...newLease('s-0', TRIM_HORIZON), leaseOwner: 'w1', leaseCounter: 1 }, systemClock.now());
    vi.setSystemTime(Date.now() + 3_600_000);
    vi.advanceTimersByTime(1_000);
    expect(r.isHeld('s-0')).toBe(true);
  });
});
