import type { Lease } from '../lease/Lease.js';
import type { WorkerRecord } from '../lease/WorkerRecord.js';
import { isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import { leaseLoads } from './leaseLoads.js';
import type { BalanceLease, BalanceWorker } from './planBalance.js';

/** Why a lease is free to take. */
export const FreeReason = {
  /** Nobody owns it (new, released). */
  UNOWNED: 'unowned',
  /** Its owner is live but this lease's counter sat still for `failoverTimeMs`. */
  EXPIRED: 'expired',
  /** Its owner is no longer live: every lease of it expired and its own item is stale (a crash). */
  OWNER_GONE: 'owner_gone',
  /** The table names this worker but it does not hold it (a take whose answer was lost). */
  MINE: 'mine',
} as const;
export type FreeReason = (typeof FreeReason)[keyof typeof FreeReason];

export interface FleetViewInput {
  readonly workerId: string;
  readonly leases: readonly Lease[];
  readonly workers: readonly WorkerRecord[];
  /** Leases this worker holds now. */
  readonly held: ReadonlySet<string>;
  /** This worker is stopping: it is nobody's recipient. */
  readonly leaving: boolean;
  /** Local time from which each lease's counter is known unchanged (-Infinity: never renewed). */
  readonly leaseSince: (leaseKey: string) => number;
  /** Local time from which each worker item's counter is known unchanged. */
  readonly workerSince: (workerId: string) => number;
  /** Only these leases are this application's to place (multi-stream: the streams it reads). */
  readonly tracked: (lease: Lease) => boolean;
  readonly now: number;
  readonly failoverTimeMs: number;
  readonly maxLeasesForWorker: number;
}

/** The table as balancing sees it from one worker at one moment. */
export interface FleetView {
  /** Live workers that may receive leases, sorted (this worker included unless it is leaving). */
  readonly liveWorkers: string[];
  /** Every live worker, leaving ones included (successor choice, the shard-sync leader, the scan schedule). */
  readonly allLiveWorkers: string[];
  /** Leases not at `SHARD_END` that this application tracks. */
  readonly activeLeaseCount: number;
  /** What the planner places. */
  readonly balanceWorkers: BalanceWorker[];
  readonly balanceLeases: BalanceLease[];
  /** Leases free to take, by key. */
  readonly free: ReadonlyMap<string, { lease: Lease; reason: FreeReason }>;
  /** Leases a live other worker holds, not being handed over: what a balancing move may ask for. */
  readonly movable: ReadonlyMap<string, Lease>;
  /** Earliest local time a lease owned by another worker could be found expired. */
  readonly nextExpiryAt: number | undefined;
  /** Each active lease's load, as the plan weighs it. */
  readonly loads: ReadonlyMap<string, number>;
}

/**
 * Builds the planner's input from one scan: who is live (owners of unexpired leases, workers whose own item moved
 * within `failoverTimeMs`, this worker), which leases are free, and each lease's load. A lease being handed over
 * (a graceful stop or a balancing move in flight) counts for its named successor and is pinned; a worker that is
 * leaving receives nothing and its leases not yet promised to anybody are left out until it releases them.
 */
export function fleetView(input: FleetViewInput): FleetView {
  const { workerId: me, now, failoverTimeMs: F } = input;
  const active = input.leases.filter((l) => !isShardEnd(l.checkpoint) && input.tracked(l));
  const leaving = new Set<string>();
  const liveByItem = new Set<string>();
  for (const w of input.workers) {
    if (w.leaving) leaving.add(w.workerId);
    else if (now - input.workerSince(w.workerId) < F) liveByItem.add(w.workerId);
  }
  const liveByLease = new Set<string>();
  let nextExpiryAt: number | undefined;
  for (const lease of active) {
    const owner = lease.leaseOwner;
    if (owner === undefined || owner === me || input.held.has(lease.leaseKey)) continue;
    const since = input.leaseSince(lease.leaseKey);
    if (now - since >= F) continue;
    liveByLease.add(owner);
    const expiresAt = since + F;
    if (nextExpiryAt === undefined || expiresAt < nextExpiryAt) nextExpiryAt = expiresAt;
  }
  if (input.leaving) leaving.add(me);
  const everyone = new Set([...liveByLease, ...liveByItem, me]);
  const allLiveWorkers = [...everyone].sort();
  const liveWorkers = allLiveWorkers.filter((w) => !leaving.has(w));
  const recipients = new Set(liveWorkers);

  const loads = leaseLoads(active);
  const free = new Map<string, { lease: Lease; reason: FreeReason }>();
  const movable = new Map<string, Lease>();
  const balanceLeases: BalanceLease[] = [];
  for (const lease of active) {
    const key = lease.leaseKey;
    const load = loads.get(key) ?? 0;
    const owner = lease.leaseOwner;
    const heldByMe = input.held.has(key);
    const expired = !heldByMe && owner !== undefined && now - input.leaseSince(key) >= F;
    if (!heldByMe && (owner === undefined || owner === me || expired)) {
      const reason =
        owner === undefined
          ? FreeReason.UNOWNED
          : owner === me
            ? FreeReason.MINE
            : everyone.has(owner)
              ? FreeReason.EXPIRED
              : FreeReason.OWNER_GONE;
      free.set(key, { lease, reason });
      balanceLeases.push({ key, owner: undefined, load, pinned: false });
      continue;
    }
    const holder = heldByMe ? me : (owner as string);
    // In flight to a live successor: it counts for the successor already, and nobody else asks for it.
    const to = lease.handoff?.to;
    if (to !== undefined && to !== holder && recipients.has(to)) {
      balanceLeases.push({ key, owner: to, load, pinned: true });
      continue;
    }
    if (!recipients.has(holder)) continue; // a leaving worker's: released soon, then free
    // An acknowledged request to a worker that is gone or leaving: its owner settles it (transfer or release).
    const blocked = lease.handoff?.acknowledged === true;
    if (holder !== me && !blocked) movable.set(key, lease);
    balanceLeases.push({ key, owner: holder, load, pinned: blocked });
  }
  const balanceWorkers = liveWorkers.map((id) => ({ id, maxLeases: input.maxLeasesForWorker }));
  return {
    liveWorkers,
    allLiveWorkers,
    activeLeaseCount: active.length,
    balanceWorkers,
    balanceLeases,
    free,
    movable,
    nextExpiryAt,
    loads,
  };
}
