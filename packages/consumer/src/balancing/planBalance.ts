/**
 * The balancing policy: a pure step from a snapshot of the lease table (live workers, leases, their loads) to the
 * owner every lease should have. Every worker computes the same plan from (nearly) the same snapshot and carries out
 * only its own part — it takes the free leases the plan gives it and asks the owners of the others to hand them over —
 * so workers do not collide and no leader is needed. See docs/leases.md, "Balancing", for why it converges.
 */

/** A live worker that may hold leases (leaving workers are left out of the snapshot). */
export interface BalanceWorker {
  readonly id: string;
  /** The most leases it may hold (`maxLeasesForWorker`). */
  readonly maxLeases: number;
}

/** A lease to place. */
export interface BalanceLease {
  readonly key: string;
  /** Its live owner (a worker of the snapshot), or undefined when it is free (unowned, expired, owner gone). */
  readonly owner: string | undefined;
  /** Its load (smoothed KB/s plus a base share); equal loads everywhere mean balancing by count. */
  readonly load: number;
  /** Must stay with its owner for now (a handoff in flight, moved a moment ago). Ignored for free leases. */
  readonly pinned: boolean;
}

export interface BalanceInput {
  /** Live workers; the order does not matter (ties are broken by hashes of ids, the same on every worker). */
  readonly workers: readonly BalanceWorker[];
  readonly leases: readonly BalanceLease[];
  /** Relative band around the mean load inside which a fleet counts as balanced (0.1 = ±10 %). */
  readonly threshold: number;
  /** Share of a worker's excess load shed per plan (1 = all of it); counts are never damped. */
  readonly damping: number;
}

export const BalanceMode = { COUNT: 'count', LOAD: 'load' } as const;
export type BalanceMode = (typeof BalanceMode)[keyof typeof BalanceMode];

export interface BalancePlan {
  readonly mode: BalanceMode;
  /** The owner each lease should have (every lease of the input that can be placed). */
  readonly targets: ReadonlyMap<string, string>;
  /** Leases whose target differs from their live owner: balancing moves (graceful handoffs). */
  readonly moves: number;
  /** Free leases the plan places. */
  readonly placed: number;
  /** True when nothing is to be taken or moved: the fleet is settled. */
  readonly settled: boolean;
  /** Mean load per worker, and the current max/min (by load, or by count in count mode). */
  readonly mean: number;
  readonly max: number;
  readonly min: number;
}

/**
 * Plans where every lease should be. When the fleet is within the band (count mode: max − min ≤ 1; load mode: every
 * worker within `threshold` of the mean) and no lease is free, the plan keeps everything where it is. Otherwise:
 *
 * 1. keep: each worker keeps its pinned leases, then its other leases from the heaviest down while doing so leaves
 *    it nearer its cap than not (running + load/2 ≤ cap); the cap is the mean (count mode), or the mean plus the
 *    undamped part of its excess (load mode);
 * 2. place: everything not kept, and every free lease, goes heaviest first to the worker with the least load so far
 *    (longest-processing-time-first), preferring the lease's own owner among equals;
 * 3. gate: moves of owned leases are kept only if they lower the sum of squared worker loads (a strict potential:
 *    no sequence of plans can cycle, so a stable fleet stops moving). Free leases are always placed.
 */
export function planBalance(input: BalanceInput): BalancePlan {
  const workers = [...input.workers].sort((a, b) => hash(a.id) - hash(b.id) || (a.id < b.id ? -1 : 1));
  const workerIds = new Set(workers.map((w) => w.id));
  const leases = input.leases;
  const empty = (settled: boolean, mode: BalanceMode, mean = 0, max = 0, min = 0): BalancePlan => ({
    mode,
    targets: new Map(),
    moves: 0,
    placed: 0,
    settled,
    mean,
    max,
    min,
  });
  if (workers.length === 0 || leases.length === 0) return empty(true, BalanceMode.COUNT);

  const first = leases[0]?.load ?? 0;
  const countMode = leases.every((l) => l.load === first) || leases.every((l) => !(l.load > 0));
  const mode = countMode ? BalanceMode.COUNT : BalanceMode.LOAD;
  const loadOf = (l: BalanceLease) => (countMode ? 1 : Math.max(0, l.load));

  const owned = new Map<string, BalanceLease[]>(workers.map((w) => [w.id, []]));
  const free: BalanceLease[] = [];
  let total = 0;
  for (const lease of leases) {
    total += loadOf(lease);
    if (lease.owner !== undefined && workerIds.has(lease.owner)) owned.get(lease.owner)!.push(lease);
    else free.push(lease);
  }
  const mean = total / workers.length;
  const current = new Map(workers.map((w) => [w.id, sum(owned.get(w.id)!, loadOf)]));
  const values = [...current.values()];
  const max = Math.max(...values);
  const min = Math.min(...values);
  const inBand = countMode
    ? max - min <= 1 || max <= 1
    : max <= mean * (1 + input.threshold) && min >= mean * (1 - input.threshold);
  const overCap = workers.some((w) => owned.get(w.id)!.length > w.maxLeases);
  if (free.length === 0 && inBand && !overCap) return empty(true, mode, mean, max, min);

  // 1 + 2, repeated on the plan's own outcome until it holds still (at most a few times): each lease's move is only
  // the difference between where it is and where the last pass put it, so it moves once however many passes ran.
  const epsilon = 1e-9 * Math.max(1, mean);
  const caps = new Map<string, number>();
  for (const worker of workers) {
    const load = current.get(worker.id)!;
    caps.set(worker.id, countMode || load <= mean ? mean : mean + (1 - input.damping) * (load - mean));
  }
  let targets = new Map<string, string>();
  for (const lease of leases)
    if (lease.owner !== undefined && workerIds.has(lease.owner)) targets.set(lease.key, lease.owner);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = placeOnce(workers, leases, targets, pass === 0 ? caps : undefined, {
      mean,
      loadOf,
      epsilon,
      // Counts: nearer the mean than not (floor/ceil shares). Loads: inside the band's upper half, so one big
      // lease too many is handed on rather than kept (two hot shards on one worker are 1.3 × the mean).
      keep: countMode
        ? (run, x, cap) => run + x / 2 <= cap + epsilon
        : (run, x, cap) => run + x <= cap * (1 + input.threshold / 2) + epsilon,
    });
    const changed = leases.some((l) => next.get(l.key) !== targets.get(l.key));
    targets = next;
    if (!changed) break;
  }

  // 3. gate: owned leases move only if the plan lowers the potential (sum of squared loads).
  const potential = (loads: Iterable<number>) => {
    let p = 0;
    for (const v of loads) p += v * v;
    return p;
  };
  let moves = 0;
  for (const lease of leases) {
    if (lease.owner !== undefined && workerIds.has(lease.owner) && targets.get(lease.key) !== lease.owner) moves++;
  }
  if (moves > 0 && !overCap) {
    const after = new Map(workers.map((w) => [w.id, 0]));
    for (const lease of leases) {
      if (lease.owner === undefined || !workerIds.has(lease.owner)) continue;
      const target = targets.get(lease.key) ?? lease.owner;
      after.set(target, after.get(target)! + loadOf(lease));
    }
    if (potential(after.values()) >= potential(current.values()) - epsilon * mean) {
      for (const lease of leases) {
        if (lease.owner !== undefined && workerIds.has(lease.owner)) targets.set(lease.key, lease.owner);
      }
      moves = 0;
    }
  }
  const placed = free.filter((l) => targets.has(l.key)).length;
  return { mode, targets, moves, placed, settled: moves === 0 && placed === 0, mean, max, min };
}

/** Passes of `placeOnce` per plan at most (one suffices almost always; see planBalance.test.ts). */
const MAX_PASSES = 4;

/**
 * One pass: (1) keep — each worker keeps its pinned leases, then its others from the heaviest down while keeping one
 * leaves it nearer its cap than not (running + load/2 ≤ cap); (2) place — everything not kept and every free lease,
 * heaviest first, goes to the worker with the least load so far, its own owner first among equals.
 */
function placeOnce(
  workers: readonly BalanceWorker[],
  leases: readonly BalanceLease[],
  owners: ReadonlyMap<string, string>,
  caps: ReadonlyMap<string, number> | undefined,
  p: {
    mean: number;
    loadOf: (lease: BalanceLease) => number;
    epsilon: number;
    /** Whether a worker at `run` keeps a lease of load `x` against its `cap`. */
    keep: (run: number, x: number, cap: number) => boolean;
  },
): Map<string, string> {
  const { mean, loadOf, epsilon } = p;
  const byOwner = new Map<string, BalanceLease[]>(workers.map((w) => [w.id, []]));
  const pool: { lease: BalanceLease; owner: string | undefined }[] = [];
  for (const lease of leases) {
    const owner = owners.get(lease.key);
    if (owner === undefined) pool.push({ lease, owner: undefined });
    else byOwner.get(owner)!.push(lease);
  }
  const running = new Map<string, number>();
  const counts = new Map<string, number>();
  const targets = new Map<string, string>();
  for (const worker of workers) {
    const cap = caps?.get(worker.id) ?? mean;
    let run = 0;
    let n = 0;
    const ordered = byOwner
      .get(worker.id)!
      .sort((a, b) => Number(b.pinned) - Number(a.pinned) || loadOf(b) - loadOf(a) || hash(a.key) - hash(b.key));
    for (const lease of ordered) {
      const x = loadOf(lease);
      if (lease.pinned || (n < worker.maxLeases && p.keep(run, x, cap))) {
        run += x;
        n++;
        targets.set(lease.key, worker.id);
      } else {
        pool.push({ lease, owner: worker.id });
      }
    }
    running.set(worker.id, run);
    counts.set(worker.id, n);
  }
  pool.sort((a, b) => loadOf(b.lease) - loadOf(a.lease) || hash(a.lease.key) - hash(b.lease.key));
  for (const { lease, owner } of pool) {
    let best: BalanceWorker | undefined;
    let bestRun = Number.POSITIVE_INFINITY;
    let bestTie = 0;
    for (const worker of workers) {
      if (counts.get(worker.id)! >= worker.maxLeases) continue;
      const run = running.get(worker.id)!;
      // Among equals: the lease's own owner (no move), then a hash of lease and worker (spreads free leases).
      const tie = worker.id === owner ? -1 : hash(`${lease.key}\u0000${worker.id}`);
      if (run < bestRun - epsilon || (Math.abs(run - bestRun) <= epsilon && tie < bestTie)) {
        best = worker;
        bestRun = run;
        bestTie = tie;
      }
    }
    // Every worker is full: the lease stays with its owner (over its cap: nobody else has room), or stays free.
    const to = best?.id ?? owner;
    if (to === undefined) continue;
    running.set(to, (running.get(to) ?? 0) + loadOf(lease));
    counts.set(to, (counts.get(to) ?? 0) + 1);
    targets.set(lease.key, to);
  }
  return targets;
}

function sum<T>(items: readonly T[], f: (item: T) => number): number {
  let s = 0;
  for (const item of items) s += f(item);
  return s;
}

/** FNV-1a, 32 bits: a stable, cheap order that every worker computes alike. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
