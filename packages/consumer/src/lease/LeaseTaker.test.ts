import { silentLogger } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { FakeClock, InMemoryLeaseTable } from '../../test/InMemoryLeaseTable.js';
import { TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import { newLease } from './Lease.js';
import { LeaseTaker } from './LeaseTaker.js';

const F = 10_000;
function taker(table: InMemoryLeaseTable, clock: FakeClock, workerId: string, random = Math.random) {
  return new LeaseTaker({
    leaseTable: table,
    workerId,
    failoverTimeMs: F,
    maxLeasesForWorker: Number.POSITIVE_INFINITY,
    maxLeasesToStealAtOneTime: 1,
    clock,
    logger: silentLogger(),
    random,
  });
}

// A deterministic PRNG so a failing interleaving can be replayed.
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LeaseTaker', () => {
  it('takes a lease only after its counter sat still for failoverTimeMs by its own clock', async () => {
    // Prepare
    const table = new InMemoryLeaseTable();
    const clock = new FakeClock();
    table.items.set('s0', { ...newLease('s0', TRIM_HORIZON), leaseOwner: 'dead', leaseCounter: 7 });
    const b = taker(table, clock, 'b');

    // Act + Assess
    const first = await b.takeOnce(new Set());
    expect(first.taken).toEqual([]);
    expect(first.nextExpiryAt).toBe(clock.now() + F);
    clock.advance(F - 1);
    expect((await b.takeOnce(new Set())).taken).toEqual([]);
    clock.advance(1);
    const third = await b.takeOnce(new Set());
    expect(third.taken.map((t) => t.lease.leaseKey)).toEqual(['s0']);
    expect(table.items.get('s0')).toMatchObject({ leaseOwner: 'b', leaseCounter: 8, ownerSwitchesSinceCheckpoint: 1 });
  });

  it('never takes a lease whose counter keeps moving', async () => {
    const table = new InMemoryLeaseTable();
    const clock = new FakeClock();
    table.items.set('s0', { ...newLease('s0', TRIM_HORIZON), leaseOwner: 'alive', leaseCounter: 1 });
    const b = taker(table, clock, 'b');
    for (let i = 0; i < 20; i++) {
      expect((await b.takeOnce(new Set(['mine']))).taken).toEqual([]);
      clock.advance(F / 2);
      await table.renewLease('s0', 'alive', table.items.get('s0')?.leaseCounter ?? -1);
    }
  });

  for (const [workers, leases, seed] of [
    [3, 8, 1],
    [3, 8, 2],
    [5, 17, 3],
    [10, 37, 4],
    [4, 4, 5],
    [7, 3, 6],
  ] as const) {
    it(`${workers} workers, ${leases} leases: converges to ceil/floor shares, then never moves (seed ${seed})`, async () => {
      // Prepare: every lease unowned; owners renew every round (F/2), workers scan in a random order.
      const random = mulberry32(seed);
      const table = new InMemoryLeaseTable();
      const clock = new FakeClock();
      for (let i = 0; i < leases; i++) table.items.set(`s${i}`, newLease(`s${i}`, TRIM_HORIZON));
      const ids = Array.from({ length: workers }, (_, i) => `w${i}`);
      const takers = new Map(ids.map((id) => [id, taker(table, clock, id, random)]));
      const heldBy = (id: string) =>
        new Set([...table.items.values()].filter((l) => l.leaseOwner === id).map((l) => l.leaseKey));
      let moves = 0;
      let convergedAt = -1;

      // Act
      for (let round = 0; round < 120; round++) {
        for (const id of [...ids].sort(() => random() - 0.5)) {
          const result = await (takers.get(id) as LeaseTaker).takeOnce(heldBy(id));
          moves += result.taken.length;
          if (convergedAt >= 0 && result.taken.length > 0) throw new Error(`moved after converging (round ${round})`);
        }
        for (const lease of table.items.values()) {
          if (lease.leaseOwner !== undefined)
            await table.renewLease(lease.leaseKey, lease.leaseOwner, lease.leaseCounter);
        }
        clock.advance(F / 4);
        const counts = ids.map((id) => heldBy(id).size).sort((a, b) => b - a);
        const balanced = counts[0]! - counts[counts.length - 1]! <= 1 && counts.reduce((a, b) => a + b, 0) === leases;
        if (convergedAt < 0 && balanced) convergedAt = round;
      }

      // Assess
      expect(convergedAt).toBeGreaterThanOrEqual(0);
      expect(convergedAt).toBeLessThan(2 * leases);
      expect(moves).toBeLessThan(3 * leases);
    });
  }
  it('counts leases being handed over for their named successor: nobody steals while a graceful stop is in flight', async () => {
    // Prepare: 8 shards; "x" is stopping and asked a and b to take its 3 leases: a already received its one
    // (now 4), b's two are still in transit (b holds 2, with 2 incoming).
    const table = new InMemoryLeaseTable();
    const clock = new FakeClock();
    const own = (key: string, owner: string, to?: string) =>
      table.items.set(key, {
        ...newLease(key, TRIM_HORIZON),
        leaseOwner: owner,
        leaseCounter: 1,
        ...(to === undefined ? {} : { handoff: { to, id: `x/${key}`, acknowledged: true } }),
      });
    for (const key of ['s0', 's1', 's2', 's3']) own(key, 'a');
    own('s4', 'b');
    own('s5', 'b');
    own('s6', 'x', 'b');
    own('s7', 'x', 'b');
    const b = taker(table, clock, 'b');
    const c = taker(table, clock, 'c');

    // Act
    const byB = await b.takeOnce(new Set(['s4', 's5']));
    const byC = await c.takeOnce(new Set());

    // Assess: b is at its share of 4 (2 held + 2 incoming) over the 2 workers that stay; c, a newcomer, steals
    // only from a's stealable leases, never the ones in transit.
    expect(byB).toMatchObject({ target: 4, stolen: 0, taken: [] });
    expect(byC.stolen).toBe(1);
    expect(byC.taken.map((t) => t.lease.leaseKey)).not.toContain('s6');
    expect(byC.taken.map((t) => t.lease.leaseKey)).not.toContain('s7');
    expect(table.items.get('s6')?.leaseOwner).toBe('x');
  });

  it('takes an orphan above its target once it stayed expired for a further failoverTimeMs, and not before', async () => {
    // Prepare: 5 leases. b holds 3; "stopping" still renews s3 but takes nothing (its release failed, or it is
    // leaving), so b's target over 2 live workers is 3: s4, whose owner died, is nobody's to take by balance.
    const table = new InMemoryLeaseTable();
    const clock = new FakeClock();
    const own = (key: string, owner: string) =>
      table.items.set(key, { ...newLease(key, TRIM_HORIZON), leaseOwner: owner, leaseCounter: 1 });
    for (const key of ['s0', 's1', 's2']) own(key, 'b');
    own('s3', 'stopping');
    own('s4', 'dead');
    const b = taker(table, clock, 'b');
    const held = new Set(['s0', 's1', 's2']);
    const step = async (ms: number) => {
      clock.advance(ms);
      await table.renewLease('s3', 'stopping', table.items.get('s3')?.leaseCounter ?? -1);
      return b.takeOnce(held);
    };

    // Act + Assess: expired after F, at target, so left alone; taken once expired for another F.
    expect((await b.takeOnce(held)).taken).toEqual([]);
    expect(await step(F)).toMatchObject({ target: 3, taken: [] });
    expect((await step(F - 1)).taken).toEqual([]);
    const rescued = await step(1);
    expect(rescued.taken.map((t) => t.lease.leaseKey)).toEqual(['s4']);
    expect(table.items.get('s4')?.leaseOwner).toBe('b');
    expect(table.items.get('s3')?.leaseOwner).toBe('stopping');
  });
});
