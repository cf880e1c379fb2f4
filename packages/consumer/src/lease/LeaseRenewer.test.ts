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

describe('LeaseRenewer: take answers that come late', () => {
  const version = (leaseCounter: number) => ({ ...newLease('s-0', TRIM_HORIZON), leaseOwner: 'w1', leaseCounter });

  it('starts no session from an answer older than a session of the lease that ended here', () => {
    // A take answered late (counter 2): meanwhile the lease reached this worker another way, was held up to counter
    // 5 and handed over.
    const r = renewer([]);
    r.add(version(5), systemClock.now());
    r.drop('s-0');
    expect(r.add(version(2), systemClock.now())).toBeUndefined();
    expect(r.holdsSession('s-0')).toBe(false);
    // A take after that (a higher counter) is a new session as ever.
    expect(r.add(version(6), systemClock.now())).toBeGreaterThan(0);
    expect(r.get('s-0')?.leaseCounter).toBe(6);
  });

  it('never moves a held lease back to an older counter', () => {
    const r = renewer([]);
    const session = r.add(version(5), systemClock.now());
    expect(r.add(version(2), systemClock.now())).toBe(session);
    expect(r.get('s-0')?.leaseCounter).toBe(5);
  });
});
