import type { Logger } from '@kinesis-kit/commons';
import { LeaseLostError } from '../errors.js';
import { giveUpLease, LeaseHandoffOutcome, transferOrKeep } from './giveUpLease.js';
import type { LeaseCoordinatorEvents } from './LeaseCoordinatorEvents.js';
import type { LeaseHandoff } from './LeaseHandoff.js';
import type { LeaseRenewer } from './LeaseRenewer.js';
import type { LeaseTaker, TakeResult } from './LeaseTaker.js';
import type { ResolvedLeaseCoordinatorOptions } from './leaseCoordinatorOptions.js';

export interface LeaseReleaseOptions {
  options: ResolvedLeaseCoordinatorOptions;
  logger: Logger;
  renewer: LeaseRenewer;
  taker: LeaseTaker;
  handoff: LeaseHandoff;
  /** This worker's scan period after `scan`: a successor's is about the same, so it bounds the wait for one. */
  workerPeriodMs: (scan: TakeResult) => number;
  onHandoff: (event: LeaseCoordinatorEvents['lease_handoff']) => void;
}

/**
 * How a stopping worker gives its leases up (docs/leases.md, "Graceful handoff"): `prepare` asks a successor for
 * each held lease; `release` then transfers a lease to the successor that acknowledged, or releases it.
 */
export class LeaseRelease {
  readonly #r: LeaseReleaseOptions;
  readonly #counts = { transferred: 0, released: 0 };
  readonly #moves = { transferred: 0, kept: 0 };

  constructor(options: LeaseReleaseOptions) {
    this.#r = options;
  }

  /** Leases given up so far: transferred to a named successor vs released. */
  get counts(): Readonly<{ transferred: number; released: number }> {
    return { ...this.#counts };
  }

  /** Balancing moves this worker gave up its leases to (`transferred`), or kept when the successor withdrew. */
  get moveCounts(): Readonly<{ transferred: number; kept: number }> {
    return { ...this.#moves };
  }

  /**
   * Withdraws this worker as anybody's successor, scans once and requests a successor per held lease (a lease that
   * a live worker asked for already keeps that successor: it is listening).
   */
  async prepare(maxWaitMs: number | undefined): Promise<void> {
    const { options: o, renewer, handoff } = this.#r;
    await handoff.leave();
    const held = [...renewer.keys()].filter((key) => renewer.isHeld(key));
    if (!o.gracefulHandoff || held.length === 0) return;
    try {
      const scan = await this.#r.taker.takeOnce(new Set(held), true);
      const live = new Set(scan.liveWorkers);
      for (const lease of scan.leases) {
        const h = lease.handoff;
        if (!held.includes(lease.leaseKey) || h === undefined || !h.acknowledged) continue;
        if (h.to !== o.workerId && live.has(h.to)) handoff.adoptPull(lease.leaseKey, h.to, h.id);
      }
      const open = held.filter((key) => !handoff.isHandingOver(key));
      // Each lease goes where the balancing plan puts it once this worker is gone (no move needed afterwards).
      const plans = open.flatMap((leaseKey) => {
        const to = scan.successors?.get(leaseKey);
        return to === undefined ? [] : [{ leaseKey, to }];
      });
      if (plans.length === 0) return;
      // A successor sees the request at its next scan: within 1.25 of its period (the stagger slot), plus reads.
      const bound = 1.25 * this.#r.workerPeriodMs(scan) + 2 * o.handoffPollIntervalMs + 500;
      await handoff.request(plans, Math.min(bound, maxWaitMs ?? Number.POSITIVE_INFINITY));
    } catch (error) {
      this.#r.logger.warn({ err: error }, 'could not prepare handoffs; releasing instead');
    }
  }

  /**
   * Waits for the lease's handoff (if any), then transfers or releases it; only forgets it when not held. A
   * balancing move (`leaving` false) never releases: when its successor withdrew, the lease stays held.
   */
  async release(shardId: string, leaving: boolean): Promise<void> {
    const { options: o, renewer, handoff } = this.#r;
    await handoff.ready(shardId);
    const successor = handoff.acknowledged(shardId);
    const move = handoff.isPull(shardId) && !leaving;
    handoff.done(shardId);
    if (!renewer.holdsSession(shardId)) return;
    if (move && successor !== undefined) {
      await this.#move(shardId, successor);
      return;
    }
    // No isHeld() check here: past its local expiry with a renewal on the way, the lease may be held still; the
    // give-up write queues behind that renewal and fails with LeaseLostError if the lease really is gone.
    try {
      const outcome = await giveUpLease(o.leaseTable, renewer, o.workerId, shardId, successor);
      this.#counts[outcome]++;
      const reason = leaving ? 'stop' : 'release';
      this.#r.onHandoff(
        outcome === LeaseHandoffOutcome.TRANSFERRED && successor !== undefined
          ? { leaseKey: shardId, outcome, to: successor.to, reason }
          : { leaseKey: shardId, outcome, reason },
      );
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
    } finally {
      renewer.drop(shardId);
    }
  }

  /** Reads a kept lease fresh into the renewer; false when it cannot be read, or is not ours. */
  async #refresh(leaseKey: string): Promise<boolean> {
    const { options: o, renewer } = this.#r;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fresh = await o.leaseTable.getLease(leaseKey);
        if (fresh?.leaseOwner !== o.workerId) return false;
        renewer.adopt(fresh);
        return true;
      } catch {
        // retried
      }
    }
    return false;
  }

  /** A balancing move: transfer to the worker that asked, or keep the lease when it withdrew. */
  async #move(leaseKey: string, successor: { to: string; id: string }): Promise<void> {
    const { options: o, renewer } = this.#r;
    try {
      await transferOrKeep(o.leaseTable, renewer, o.workerId, leaseKey, successor);
    } catch (error) {
      if (error instanceof LeaseLostError) return; // no longer ours: the renewer let it go already
      // Withdrawn by the successor, or the transfer failed (throttling, a timeout): the lease stays held and its
      // shard starts again here (a successor still waiting gives up and cancels within its bound) — from the stored
      // checkpoint, read fresh: a checkpoint whose answer was lost may have landed. Unreadable: released instead.
      this.#r.logger.info({ err: error, leaseKey, to: successor.to }, 'balancing move not done; keeping the lease');
      if (await this.#refresh(leaseKey)) {
        this.#moves.kept++;
        return;
      }
      try {
        await giveUpLease(o.leaseTable, renewer, o.workerId, leaseKey, undefined);
      } catch {
        // not ours any more, or the table is unreachable: the lease expires
      } finally {
        renewer.drop(leaseKey);
      }
      return;
    }
    this.#moves.transferred++;
    renewer.drop(leaseKey);
    this.#r.onHandoff({ leaseKey, outcome: LeaseHandoffOutcome.TRANSFERRED, to: successor.to, reason: 'move' });
  }
}
