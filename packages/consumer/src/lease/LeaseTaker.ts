import type { Clock, Logger } from '@kinesis-kit/commons';
import { FreeReason, fleetView } from '../balancing/fleetView.js';
import { type BalanceLease, BalanceMode, planBalance } from '../balancing/planBalance.js';
import type { Lease } from './Lease.js';
import type { LeaseTable } from './LeaseTable.js';
import type { WorkerRecord } from './WorkerRecord.js';

export interface LeaseTakerOptions {
  leaseTable: LeaseTable;
  workerId: string;
  failoverTimeMs: number;
  maxLeasesForWorker: number;
  /** The most balancing moves this worker asks for per cycle. */
  maxLeasesToStealAtOneTime: number;
  /** Band around the mean load inside which the fleet counts as balanced (0.1 = ±10 %). */
  balanceThreshold: number;
  /** Share of a worker's excess load a plan sheds at once (1 = all of it). */
  balanceDamping: number;
  /**
   * How long moves by load must stay in the plan, scan after scan, before they are asked for: one renewal interval,
   * in which every owner writes each lease's throughput once. Leases' throughputs are written at their owners'
   * renewals, so while loads change (traffic stopping: every lease halving per renewal) workers look lighter or
   * heavier by up to 2× depending on when each last renewed; such an imbalance moves on to another worker within
   * one interval, a real one stays. (Measured in the fleet simulation, 64 leases / 8 workers whose traffic stops:
   * 88–153 moves in two minutes without it.) Moves by count are not delayed.
   */
  loadMoveAfterMs: number;
  clock: Clock;
  logger: Logger;
  /** Random numbers in [0, 1), for request ids. */
  random: () => number;
  /** Only these leases are this application's (multi-stream: the streams it reads). @default every lease */
  tracked?: (lease: Lease) => boolean;
  /** Asks `lease`'s owner to hand it over to this worker (a balancing move); true when the request was written. */
  requestMove: (lease: Lease) => Promise<boolean>;
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
  /** Live workers (holding unexpired leases, or whose own item moved lately), plus this one, sorted. */
  liveWorkers: string[];
  /** How many leases the balancing plan gives this worker. */
  target: number;
  /** Balancing moves this worker asked for (graceful handoffs from busier workers). */
  stolen: number;
  /** Earliest local time at which a lease owned by another worker could be found expired; undefined if none. */
  nextExpiryAt: number | undefined;
  /** True when the plan had nothing to take or move: the fleet is balanced. */
  settled: boolean;
  /** Whether the plan balanced by load (leases report throughput) or by count. */
  balanceMode: BalanceMode;
  /** Every lease item of the scan, for callers that want them (shard cleanup). */
  leases: Lease[];
  /** Every worker item of the scan. */
  workers: WorkerRecord[];
  /**
   * `observeOnly` (a stopping worker): the successor the plan gives each lease this worker holds, computed as the
   * others will once it is gone — so a stop moves each lease once, to where balancing wants it.
   */
  successors?: ReadonlyMap<string, string>;
}

interface Observation {
  counter: number;
  /** Local time (after a scan returned) from which the counter is known unchanged: -Infinity = never renewed. */
  since: number;
  /** Local time this counter value was first seen (what `since` is, but also for never-renewed leases). */
  seenAt: number;
}

/**
 * One taking step (`takeOnce`): scan the table, track every lease's and worker item's counter with this worker's own
 * clock, plan where every lease should be (`planBalance`, the same plan on every worker), and carry out this
 * worker's part: take the free leases the plan gives it, and ask the owners of the leases it should hold instead to
 * hand them over (graceful: no duplicates). Every worker does its own part, so no leader is needed.
 *
 * "Expired" means the counter has not moved for `failoverTimeMs` since this worker first saw it (timed from when
 * that scan *returned*, so the owner's own view, timed from when it *sent* its last renewal, always expires first).
 *
 * Two rules put liveness before balance: the leases of a worker that is gone (every lease of it expired, its own
 * item stale) are taken by whoever sees them first, all of them (balancing spreads them afterwards, gracefully);
 * and an orphan — a lease free for a further `failoverTimeMs` by this worker's clock — is taken whatever the plan
 * says (the worker it was planned for may be leaving, or gone without its own leases having expired yet).
 */
export class LeaseTaker {
  readonly #o: LeaseTakerOptions;
  readonly #logger: Logger;
  readonly #observed = new Map<string, Observation>();
  readonly #workersObserved = new Map<string, Observation>();
  /** Local time of this worker's first scan (see the rescue rule). */
  #firstScanAt: number | undefined;
  /** Since when (local time) every scan's plan has had moves by load for this worker. */
  #wantingSince: number | undefined;

  constructor(options: LeaseTakerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'LeaseTaker', workerId: options.workerId });
  }

  /**
   * `held`: the leases this worker holds now (they are never taken again, and count as its load). With
   * `observeOnly`, scans and judges (live workers, expiry) but takes and asks for nothing (a stopping worker).
   */
  async takeOnce(held: ReadonlySet<string>, observeOnly = false): Promise<TakeResult> {
    const { workerId, failoverTimeMs } = this.#o;
    const { leases, workers } = await this.#o.leaseTable.scanTable();
    const now = this.#o.clock.now();
    this.#firstScanAt ??= now;
    this.#observe(
      this.#observed,
      leases.map((l) => ({ key: l.leaseKey, counter: l.leaseCounter, owned: l.leaseOwner !== undefined })),
      now,
    );
    this.#observe(
      this.#workersObserved,
      workers.map((w) => ({ key: w.workerId, counter: w.counter, owned: true })),
      now,
    );
    const view = fleetView({
      workerId,
      leases,
      workers,
      held,
      leaving: observeOnly,
      leaseSince: (key) => this.#observed.get(key)?.since ?? now,
      workerSince: (id) => this.#workersObserved.get(id)?.since ?? now,
      tracked: this.#o.tracked ?? (() => true),
      now,
      failoverTimeMs,
      maxLeasesForWorker: this.#o.maxLeasesForWorker,
    });
    const plan = planBalance({
      workers: view.balanceWorkers,
      leases: view.balanceLeases,
      threshold: this.#o.balanceThreshold,
      damping: this.#o.balanceDamping,
    });
    let successors: Map<string, string> | undefined;
    if (observeOnly) {
      const mine: BalanceLease[] = [];
      for (const lease of leases)
        if (held.has(lease.leaseKey))
          mine.push({
            key: lease.leaseKey,
            owner: undefined,
            load: view.loads.get(lease.leaseKey) ?? 0,
            pinned: false,
          });
      const after = planBalance({
        workers: view.balanceWorkers,
        leases: [...view.balanceLeases, ...mine],
        threshold: this.#o.balanceThreshold,
        damping: this.#o.balanceDamping,
      });
      successors = new Map();
      for (const { key } of mine) {
        const to = after.targets.get(key);
        if (to !== undefined) successors.set(key, to);
      }
    }
    let target = 0;
    if (plan.targets.size > 0) {
      for (const owner of plan.targets.values()) if (owner === workerId) target++;
    } else {
      for (const lease of view.balanceLeases) if (lease.owner === workerId) target++;
    }

    let toTake: Lease[] = [];
    let toMove: Lease[] = [];
    if (!observeOnly) {
      const room = Math.max(0, this.#o.maxLeasesForWorker - held.size);
      // A worker that has watched the table for failoverTimeMs rescues a gone worker's leases at once; a fresh one
      // (a whole fleet restarting after a crash) takes only its share, so the first to start does not take them all.
      const settledIn = now - this.#firstScanAt >= failoverTimeMs;
      const planned: Lease[] = [];
      const rescue: Lease[] = [];
      for (const [key, { lease, reason }] of view.free) {
        if (plan.targets.get(key) === workerId || reason === FreeReason.MINE) planned.push(lease);
        else if ((reason === FreeReason.OWNER_GONE && settledIn) || this.#orphanedFor(lease, now) >= failoverTimeMs)
          rescue.push(lease);
      }
      toTake = [...planned, ...rescue].slice(0, room);
      const moves = this.#steadyMoves(
        [...view.movable.values()].filter((l) => plan.targets.get(l.leaseKey) === workerId),
        plan.mode,
        now,
      );
      toMove = moves.slice(0, Math.max(0, Math.min(this.#o.maxLeasesToStealAtOneTime, room - toTake.length)));
    }

    const taken: TakenLease[] = [];
    let stolen = 0;
    await Promise.all([
      ...toTake.map(async (lease) => {
        const sentAt = this.#o.clock.now();
        try {
          const result = await this.#o.leaseTable.takeLease(lease, workerId);
          if (result === undefined) {
            this.#logger.debug({ leaseKey: lease.leaseKey }, 'lost the race for a lease');
            return;
          }
          const at = this.#o.clock.now();
          this.#observed.set(lease.leaseKey, { counter: result.leaseCounter, since: at, seenAt: at });
          taken.push({ lease: result, sentAt });
        } catch (error) {
          this.#logger.warn({ err: error, leaseKey: lease.leaseKey }, 'taking a lease failed');
        }
      }),
      ...toMove.map(async (lease) => {
        try {
          if (await this.#o.requestMove(lease)) stolen++;
        } catch (error) {
          this.#logger.warn({ err: error, leaseKey: lease.leaseKey }, 'asking for a lease failed');
        }
      }),
    ]);
    if (taken.length > 0 || stolen > 0) {
      this.#logger.info(
        { taken: taken.map((t) => t.lease.leaseKey), moves: stolen, target, liveWorkers: view.liveWorkers.length },
        'took leases',
      );
    }
    return {
      taken,
      activeLeaseCount: view.activeLeaseCount,
      liveWorkers: view.allLiveWorkers,
      target,
      stolen,
      nextExpiryAt: view.nextExpiryAt,
      settled: plan.settled && taken.length === 0 && stolen === 0,
      balanceMode: plan.mode,
      leases,
      workers,
      ...(successors === undefined ? {} : { successors }),
    };
  }

  /**
   * The moves by load, once every scan for `loadMoveAfterMs` has planned some for this worker (which leases may
   * differ from scan to scan; a scan without any breaks the streak). Moves by count: at once.
   */
  #steadyMoves(moves: readonly Lease[], mode: BalanceMode, now: number): readonly Lease[] {
    if (mode !== BalanceMode.LOAD || moves.length === 0) {
      this.#wantingSince = undefined;
      return moves;
    }
    this.#wantingSince ??= now;
    return now - this.#wantingSince >= this.#o.loadMoveAfterMs ? moves : [];
  }

  /** How long `lease` has been expired (or unowned) as this worker has seen it. */
  #orphanedFor(lease: Lease, now: number): number {
    const seen = this.#observed.get(lease.leaseKey);
    if (seen === undefined) return 0;
    const expiredAt = lease.leaseOwner === undefined ? seen.seenAt : seen.since + this.#o.failoverTimeMs;
    return now - expiredAt;
  }

  #observe(
    observed: Map<string, Observation>,
    items: readonly { key: string; counter: number; owned: boolean }[],
    now: number,
  ): void {
    const seen = new Set<string>();
    for (const { key, counter, owned } of items) {
      seen.add(key);
      const previous = observed.get(key);
      if (previous === undefined) {
        // Never seen before: an unowned lease was never renewed; anything else counts as renewed just now.
        observed.set(key, { counter, since: owned ? now : Number.NEGATIVE_INFINITY, seenAt: now });
      } else if (previous.counter !== counter) {
        observed.set(key, { counter, since: now, seenAt: now });
      }
    }
    for (const key of observed.keys()) if (!seen.has(key)) observed.delete(key);
  }
}
