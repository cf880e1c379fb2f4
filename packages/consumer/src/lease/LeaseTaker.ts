import type { Clock, Logger } from '@kinesis-kit/commons';
import { isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import type { Lease } from './Lease.js';
import type { LeaseTable } from './LeaseTable.js';

export interface LeaseTakerOptions {
  leaseTable: LeaseTable;
  workerId: string;
  failoverTimeMs: number;
  maxLeasesForWorker: number;
  maxLeasesToStealAtOneTime: number;
  clock: Clock;
  logger: Logger;
  /** Random numbers in [0, 1), for shuffling candidates. */
  random: () => number;
}

/** A lease this worker just took, with the local time the take was sent (its expiry clock starts there). */
export interface TakenLease {
  lease: Lease;
  sentAt: number;
}

/** What one taking cycle saw and did. */
export interface TakeResult {
  taken: TakenLease[];
  /** Leases still to be processed (checkpoint not `SHARD_END`). */
  activeLeaseCount: number;
  /** Workers holding unexpired leases, plus this one, sorted. */
  liveWorkers: string[];
  /** ceil(active leases / live workers), capped by `maxLeasesForWorker`. */
  target: number;
  /** Leases taken from another live worker to balance. */
  stolen: number;
  /** Earliest local time at which a lease owned by another worker could be found expired; undefined if none. */
  nextExpiryAt: number | undefined;
  /** Every lease item of the scan, for callers that want them (shard cleanup). */
  leases: Lease[];
}

interface Observation {
  counter: number;
  /** Local time (after a scan returned) from which the counter is known unchanged: -Infinity = never renewed. */
  since: number;
  /** Local time this counter value was first seen (what `since` is, but also for never-renewed leases). */
  seenAt: number;
}

/**
 * One taking step (`takeOnce`): scan the table, track every lease's counter with this worker's own clock, then
 * take unowned and expired leases up to the balanced target, or else steal one from the most loaded worker.
 *
 * "Expired" means the counter has not moved for `failoverTimeMs` since this worker first saw it (timed from
 * when that scan *returned*, so the owner's own view, timed from when it *sent* its last renewal, always
 * expires first). Stealing happens only when the victim has at least two more leases than this worker, so
 * every steal strictly narrows the spread: a stable fleet converges and then never moves a lease again.
 *
 * An orphan — a lease expired (or unowned) for a further `failoverTimeMs` — is taken even above the target: the
 * workers below target that should have taken it may be leaving, or gone without their own leases having expired
 * yet (a crashed worker's leases and a stopping worker's failed release), and a shard must not wait on balance.
 */
export class LeaseTaker {
  readonly #o: LeaseTakerOptions;
  readonly #logger: Logger;
  readonly #observed = new Map<string, Observation>();

  constructor(options: LeaseTakerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'LeaseTaker', workerId: options.workerId });
  }

  /**
   * `held`: the leases this worker holds now (they are never taken again, and count as its load). With
   * `observeOnly`, scans and judges (live workers, expiry) but takes nothing (a stopping worker).
   */
  async takeOnce(held: ReadonlySet<string>, observeOnly = false): Promise<TakeResult> {
    const { workerId, failoverTimeMs } = this.#o;
    const leases = await this.#o.leaseTable.listLeases();
    const now = this.#o.clock.now();
    this.#observe(leases, now);

    const expired: Lease[] = [];
    const byWorker = new Map<string, Lease[]>();
    let active = 0;
    let mine = 0;
    let nextExpiryAt: number | undefined;
    for (const lease of leases) {
      if (isShardEnd(lease.checkpoint)) continue;
      active++;
      if (held.has(lease.leaseKey)) {
        mine++;
        continue;
      }
      const owner = lease.leaseOwner;
      const since = this.#observed.get(lease.leaseKey)?.since ?? now;
      // Owned by us but not held: a take whose answer we lost, or a lease we let expire locally. Ours to retake.
      if (owner === undefined || owner === workerId || now - since >= failoverTimeMs) {
        expired.push(lease);
        continue;
      }
      let list = byWorker.get(owner);
      if (list === undefined) {
        list = [];
        byWorker.set(owner, list);
      }
      list.push(lease);
      const expiresAt = since + failoverTimeMs;
      if (nextExpiryAt === undefined || expiresAt < nextExpiryAt) nextExpiryAt = expiresAt;
    }

    const liveWorkers = [...new Set([...byWorker.keys(), workerId])].sort();
    const balance = balancingView(byWorker, liveWorkers, workerId);
    mine += balance.incoming;
    const target = Math.min(this.#o.maxLeasesForWorker, Math.ceil(active / balance.workers));
    const needed = observeOnly ? 0 : target - mine;
    let toTake: Lease[] = [];
    let stolen = 0;
    const orphans = observeOnly || needed > 0 ? [] : expired.filter((l) => this.#orphanedFor(l, now) >= failoverTimeMs);
    if (orphans.length > 0) {
      toTake = this.#shuffle(orphans).slice(0, Math.max(0, this.#o.maxLeasesForWorker - mine));
    } else if (needed > 0 && expired.length > 0) {
      // Unowned first (nobody processes them), then expired ones; random order within each group.
      const unowned = this.#shuffle(expired.filter((l) => l.leaseOwner === undefined));
      const stale = this.#shuffle(expired.filter((l) => l.leaseOwner !== undefined));
      toTake = [...unowned, ...stale].slice(0, needed);
    } else if (needed > 0) {
      toTake = this.#chooseLeasesToSteal(balance.load, balance.stealable, mine, needed);
      stolen = toTake.length;
    }

    const taken: TakenLease[] = [];
    await Promise.all(
      toTake.map(async (lease) => {
        const sentAt = this.#o.clock.now();
        try {
          const result = await this.#o.leaseTable.takeLease(lease, workerId);
          if (result === undefined) {
            this.#logger.debug({ shardId: lease.leaseKey }, 'lost the race for a lease');
            return;
          }
          const at = this.#o.clock.now();
          this.#observed.set(lease.leaseKey, { counter: result.leaseCounter, since: at, seenAt: at });
          taken.push({ lease: result, sentAt });
        } catch (error) {
          this.#logger.warn({ err: error, shardId: lease.leaseKey }, 'taking a lease failed');
        }
      }),
    );
    if (taken.length > 0) {
      this.#logger.info(
        { taken: taken.map((t) => t.lease.leaseKey), stolen, target, liveWorkers: liveWorkers.length },
        'took leases',
      );
    }
    return { taken, activeLeaseCount: active, liveWorkers, target, stolen, nextExpiryAt, leases };
  }

  /** How long `lease` has been expired (or unowned) as this worker has seen it. */
  #orphanedFor(lease: Lease, now: number): number {
    const seen = this.#observed.get(lease.leaseKey);
    if (seen === undefined) return 0;
    const expiredAt = lease.leaseOwner === undefined ? seen.seenAt : seen.since + this.#o.failoverTimeMs;
    return now - expiredAt;
  }

  #observe(leases: readonly Lease[], now: number): void {
    const seen = new Set<string>();
    for (const lease of leases) {
      seen.add(lease.leaseKey);
      const previous = this.#observed.get(lease.leaseKey);
      if (previous === undefined) {
        // A lease never seen before: unowned ones were never renewed; owned ones count as renewed just now.
        this.#observed.set(lease.leaseKey, {
          counter: lease.leaseCounter,
          since: lease.leaseOwner === undefined ? Number.NEGATIVE_INFINITY : now,
          seenAt: now,
        });
      } else if (previous.counter !== lease.leaseCounter) {
        this.#observed.set(lease.leaseKey, { counter: lease.leaseCounter, since: now, seenAt: now });
      }
    }
    for (const key of this.#observed.keys()) if (!seen.has(key)) this.#observed.delete(key);
  }

  #chooseLeasesToSteal(
    load: ReadonlyMap<string, number>,
    stealable: ReadonlyMap<string, Lease[]>,
    mine: number,
    needed: number,
  ): Lease[] {
    let victim: string | undefined;
    for (const [worker, n] of load) {
      if ((stealable.get(worker)?.length ?? 0) === 0) continue;
      if (victim === undefined || n > (load.get(victim) ?? 0)) victim = worker;
    }
    if (victim === undefined) return [];
    const victimLoad = load.get(victim) ?? 0;
    // Only when it narrows the spread: the victim keeps at least as many as we end up with.
    if (victimLoad - mine < 2) return [];
    const count = Math.min(needed, this.#o.maxLeasesToStealAtOneTime, Math.floor((victimLoad - mine) / 2));
    return this.#shuffle([...(stealable.get(victim) ?? [])]).slice(0, count);
  }

  #shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.#o.random() * (i + 1));
      const a = items[i] as T;
      items[i] = items[j] as T;
      items[j] = a;
    }
    return items;
  }
}

/**
 * Who balancing counts, and what each holds, while graceful handoffs are in flight: a lease with a pending
 * handoff request already counts for its named successor (when live; this worker's share is `incoming`) and is
 * nobody's to steal, and a worker handing leases over is leaving, so the target spreads over the others.
 * Without this, a successor that had not yet received its share would steal from one that had (and be robbed back).
 */
function balancingView(
  byWorker: ReadonlyMap<string, readonly Lease[]>,
  liveWorkers: readonly string[],
  workerId: string,
): { load: Map<string, number>; stealable: Map<string, Lease[]>; incoming: number; workers: number } {
  const load = new Map<string, number>();
  const stealable = new Map<string, Lease[]>();
  const leaving = new Set<string>();
  let incoming = 0;
  for (const [owner, list] of byWorker) {
    load.set(owner, (load.get(owner) ?? 0) + list.length);
    stealable.set(
      owner,
      list.filter((l) => l.handoff === undefined),
    );
    for (const lease of list) {
      const to = lease.handoff?.to;
      if (to === undefined || !liveWorkers.includes(to)) continue; // a successor gone: the owner releases later
      leaving.add(owner);
      load.set(owner, (load.get(owner) ?? 0) - 1);
      if (to === workerId) incoming++;
      else load.set(to, (load.get(to) ?? 0) + 1);
    }
  }
  for (const worker of leaving) if (worker !== workerId) load.delete(worker);
  return { load, stealable, incoming, workers: Math.max(1, liveWorkers.length - leaving.size) };
}
