import { describe, expect, it } from 'vitest';
import { type BalanceLease, type BalanceWorker, planBalance } from './planBalance.js';

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const workers = (n: number, maxLeases = Number.POSITIVE_INFINITY): BalanceWorker[] =>
  Array.from({ length: n }, (_, i) => ({ id: `w${i}`, maxLeases }));

/** Applies a plan: every lease gets its target owner. */
function apply(leases: BalanceLease[], targets: ReadonlyMap<string, string>): BalanceLease[] {
  return leases.map((l) => ({ ...l, owner: targets.get(l.key) ?? l.owner }));
}

function loads(leases: readonly BalanceLease[], ws: readonly BalanceWorker[], unit = false) {
  const out = new Map(ws.map((w) => [w.id, 0]));
  for (const l of leases) if (l.owner !== undefined) out.set(l.owner, (out.get(l.owner) ?? 0) + (unit ? 1 : l.load));
  return [...out.values()];
}

const params = { threshold: 0.1, damping: 1 };

describe('planBalance', () => {
  it('places free leases evenly from a cold start, in one plan, then keeps everything where it is', () => {
    // Prepare
    const ws = workers(32);
    const leases: BalanceLease[] = Array.from({ length: 1024 }, (_, i) => ({
      key: `shardId-${i}`,
      owner: undefined,
      load: 0,
      pinned: false,
    }));

    // Act
    const plan = planBalance({ workers: ws, leases, ...params });
    const after = apply(leases, plan.targets);
    const again = planBalance({ workers: ws, leases: after, ...params });

    // Assess
    expect(plan.placed).toBe(1024);
    expect(new Set(loads(after, ws, true))).toEqual(new Set([32]));
    expect(again).toMatchObject({ settled: true, moves: 0, placed: 0 });
  });

  it('count mode: moves only the excess of over-full workers, and never moves a balanced fleet', () => {
    const ws = workers(3);
    const leases: BalanceLease[] = Array.from({ length: 8 }, (_, i) => ({
      key: `s${i}`,
      owner: i < 6 ? 'w0' : 'w1',
      load: 0,
      pinned: false,
    }));
    const plan = planBalance({ workers: ws, leases, ...params });
    expect(plan.moves).toBe(3); // w0: 6 → 3, w2: 0 → 3 (w1 keeps its 2)
    const after = apply(leases, plan.targets);
    expect(loads(after, ws, true).sort()).toEqual([2, 3, 3]);
    expect(planBalance({ workers: ws, leases: after, ...params }).settled).toBe(true);
  });

  it('gives a newcomer its share from everybody and moves each lease at most once', () => {
    const ws = workers(32);
    const leases: BalanceLease[] = Array.from({ length: 1024 }, (_, i) => ({
      key: `s${i}`,
      owner: `w${i % 31}`,
      load: 0,
      pinned: false,
    }));
    const plan = planBalance({ workers: ws, leases, ...params });
    const after = apply(leases, plan.targets);
    expect(Math.max(...loads(after, ws, true)) - Math.min(...loads(after, ws, true))).toBeLessThanOrEqual(1);
    expect(plan.moves).toBeLessThanOrEqual(32);
  });

  it('skewed load: 64 shards, 6 carry half the bytes, 8 workers — busiest ≤ 1.2 × mean in one plan', () => {
    const random = mulberry32(7);
    const ws = workers(8);
    // Hot shards all on one worker at first (the worst case).
    const leases: BalanceLease[] = Array.from({ length: 64 }, (_, i) => ({
      key: `s${i}`,
      owner: i < 6 ? 'w0' : `w${i % 8}`,
      load: (i < 6 ? 500 / 6 : 500 / 58) * (0.95 + 0.1 * random()),
      pinned: false,
    }));
    const plan = planBalance({ workers: ws, leases, ...params, damping: 0.8 });
    let state = apply(leases, plan.targets);
    for (let i = 0; i < 3; i++) state = apply(state, planBalance({ workers: ws, leases: state, ...params }).targets);
    const after = loads(state, ws);
    const mean = after.reduce((a, b) => a + b, 0) / 8;
    expect(Math.max(...after) / mean).toBeLessThanOrEqual(1.2);
    expect(planBalance({ workers: ws, leases: state, ...params }).moves).toBe(0);
  });

  it('never cycles: random fleets, loads and caps reach a plan without moves within a few plans', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = mulberry32(seed);
      const n = 1 + Math.floor(random() * 12);
      const cap = random() < 0.2 ? 1 + Math.floor(random() * 8) : Number.POSITIVE_INFINITY;
      const ws = workers(n, cap);
      const count = Math.floor(random() * 60);
      const skewed = random() < 0.6;
      let state: BalanceLease[] = Array.from({ length: count }, (_, i) => ({
        key: `s${i}`,
        owner: random() < 0.3 ? undefined : `w${Math.floor(random() * n)}`,
        load: skewed ? (random() < 0.1 ? 50 + random() * 100 : 1 + random() * 5) : 0,
        pinned: false,
      }));
      let plans = 0;
      for (;;) {
        const plan = planBalance({ workers: ws, leases: state, threshold: 0.1, damping: 0.8 });
        if (plan.moves === 0 && plan.placed === 0) break;
        state = apply(state, plan.targets);
        plans++;
        expect(plans, `seed ${seed}`).toBeLessThan(12);
      }
      if (!skewed) {
        const placed = state.filter((l) => l.owner !== undefined);
        const c = loads(placed, ws, true);
        if (cap === Number.POSITIVE_INFINITY && placed.length === count)
          expect(Math.max(...c) - Math.min(...c), `seed ${seed}`).toBeLessThanOrEqual(1);
        if (count <= n * cap) for (const v of c) expect(v, `seed ${seed}`).toBeLessThanOrEqual(cap);
      }
    }
  });

  it('keeps pinned leases with their owner (a handoff in flight)', () => {
    const ws = workers(2);
    const leases: BalanceLease[] = Array.from({ length: 4 }, (_, i) => ({
      key: `s${i}`,
      owner: 'w0',
      load: 0,
      pinned: true,
    }));
    expect(planBalance({ workers: ws, leases, ...params }).moves).toBe(0);
  });
});
