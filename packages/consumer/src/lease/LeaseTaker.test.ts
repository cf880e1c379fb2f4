import { silentLogger } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { FakeClock, InMemoryLeaseTable } from '../../test/InMemoryLeaseTable.js';
import { TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import { newLease } from './Lease.js';
import { LeaseTaker } from './LeaseTaker.js';

const F = 10_000;
function taker(table: InMemoryLeaseTable, clock: FakeClock, workerId: string) {
  return new LeaseTaker({
    leaseTable: table,
    workerId,
    failoverTimeMs: F,
    maxLeasesForWorker: Number.POSITIVE_INFINITY,
    maxLeasesToStealAtOneTime: Number.POSITIVE_INFINITY,
    balanceThreshold: 0.1,
    balanceDamping: 1,
    loadMoveAfterMs: 0,
    clock,
    logger: silentLogger(),
    random: Math.random,
    // A balancing move as the coordinator asks for it: the request, acknowledged by the asking.
    requestMove: (lease) =>
      table.requestPull(lease.leaseKey, lease.leaseOwner ?? '', workerId, `${workerId}/${lease.leaseKey}`, 0),
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

/** What an owner does at its renewal when somebody asked for its lease: transfers it (the shard stopped first). */
async function honourMoves(table: InMemoryLeaseTable): Promise<number> {
  let moves = 0;
  for (const lease of [...table.items.values()]) {
    const h = lease.handoff;
    if (lease.leaseOwner === undefined || h === undefined || !h.acknowledged) continue;
    if (await table.transferLease(lease.leaseKey, lease.leaseOwner, lease.leaseCounter, h.to, h.id)) moves++;
  }
  return moves;
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
      const takers = new Map(ids.map((id) => [id, taker(table, clock, id)]));
      const heldBy = (id: string) =>
        new Set([...table.items.values()].filter((l) => l.leaseOwner === id).map((l) => l.leaseKey));
      let moves = 0;
      let convergedAt = -1;

      // Act
      // Workers announce themselves before their first scan, and keep their items fresh (as the coordinator does).
      for (const id of ids) await table.putWorker({ workerId: id, leaving: false });
      for (let round = 0; round < 120; round++) {
        for (const id of ids) await table.putWorker({ workerId: id, leaving: false });
        for (const id of [...ids].sort(() => random() - 0.5)) {
          const result = await (takers.get(id) as LeaseTaker).takeOnce(heldBy(id));
          moves += result.taken.length + result.stolen;
          if (convergedAt >= 0 && result.taken.length + result.stolen > 0)
            throw new Error(`moved after converging (round ${round})`);
        }
        await honourMoves(table);
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
      expect(convergedAt).toBeLessThan(4);
      // Each lease is taken once, and moved at most once more (a worker that scanned before the others took it).
      expect(moves).toBeLessThanOrEqual(2 * leases);
    });
  }
  it('counts leases being handed over for their named successor: nobody asks for one in flight', async () => {
    // Prepare: 8 shards; "x" is stopping (its item says so) and asked b to take its 2 leases (acknowledged).
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
    await table.putWorker({ workerId: 'x', leaving: true });
    const b = taker(table, clock, 'b');
    const c = taker(table, clock, 'c');

    // Act
    const byB = await b.takeOnce(new Set(['s4', 's5']));
    const byC = await c.takeOnce(new Set());

    // Assess: b has 2 + 2 incoming = its share over a, b, c (8 / 3: 3 or 2 each, b sheds to c at most one); c asks
    // a and b for leases that are not in flight.
    expect(byB.taken).toEqual([]);
    expect(byB.stolen).toBe(0);
    expect(byC.stolen).toBeGreaterThanOrEqual(2);
    for (const key of ['s6', 's7']) expect(table.items.get(key)?.handoff?.to).toBe('b');
    const asked = [...table.items.values()].filter((l) => l.handoff?.to === 'c').map((l) => l.leaseOwner);
    expect(asked).toContain('a');
  });

  it('takes a lease planned for another worker once it stayed free for a further failoverTimeMs, and not before', async () => {
    // Prepare: 5 leases. b holds 3; "stopping" still renews s3 but takes nothing (its release failed, or it is
    // leaving). s4 was released: the plan gives it to the least loaded worker, "stopping", which never takes it.
    const table = new InMemoryLeaseTable();
    const clock = new FakeClock();
    const own = (key: string, owner: string | undefined) =>
      table.items.set(key, { ...newLease(key, TRIM_HORIZON), leaseOwner: owner, leaseCounter: 1 });
    for (const key of ['s0', 's1', 's2']) own(key, 'b');
    own('s3', 'stopping');
    own('s4', undefined);
    const b = taker(table, clock, 'b');
    const held = new Set(['s0', 's1', 's2']);
    const step = async (ms: number) => {
      clock.advance(ms);
      await table.renewLease('s3', 'stopping', table.items.get('s3')?.leaseCounter ?? -1);
      return b.takeOnce(held);
    };

    // Act + Assess: left alone for F, taken once free for F by b's clock.
    expect((await b.takeOnce(held)).taken).toEqual([]);
    expect((await step(F - 1)).taken).toEqual([]);
    const rescued = await step(1);
    expect(rescued.taken.map((t) => t.lease.leaseKey)).toEqual(['s4']);
    expect(table.items.get('s4')?.leaseOwner).toBe('b');
    expect(table.items.get('s3')?.leaseOwner).toBe('stopping');
  });

  it('takes every lease of a worker that is gone at once, unless it only just started itself', async () => {
    // Prepare: b and c hold 2 each, "dead" held 4 and stopped renewing.
    const table = new InMemoryLeaseTable();
    const clock = new FakeClock();
    const own = (key: string, owner: string) =>
      table.items.set(key, { ...newLease(key, TRIM_HORIZON), leaseOwner: owner, leaseCounter: 1 });
    for (const key of ['s0', 's1']) own(key, 'b');
    for (const key of ['s2', 's3']) own(key, 'c');
    for (const key of ['s4', 's5', 's6', 's7']) own(key, 'dead');
    const b = taker(table, clock, 'b');
    const renewLive = async () => {
      for (const l of [...table.items.values()])
        if (l.leaseOwner === 'b' || l.leaseOwner === 'c')
          await table.renewLease(l.leaseKey, l.leaseOwner, l.leaseCounter);
    };
    expect((await b.takeOnce(new Set(['s0', 's1']))).taken).toEqual([]);
    clock.advance(F);
    await renewLive();
    const fresh = taker(table, clock, 'fresh'); // a worker starting right now

    // Act
    const byFresh = await fresh.takeOnce(new Set());
    const byB = await b.takeOnce(new Set(['s0', 's1']));

    // Assess: the fresh worker takes its share only; b, which watched the table for F, takes the rest at once.
    expect(byFresh.taken.length).toBeLessThan(4);
    expect(byFresh.taken.length + byB.taken.length).toBe(4);
    expect([...table.items.values()].filter((l) => l.leaseOwner === 'dead')).toEqual([]);
  });
});
