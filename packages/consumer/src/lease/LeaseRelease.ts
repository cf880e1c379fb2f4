import type { Logger } from '@kinesis-kit/commons';
import { LeaseLostError } from '../errors.js';
import { giveUpLease, LeaseHandoffOutcome } from './giveUpLease.js';
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

  constructor(options: LeaseReleaseOptions) {
    this.#r = options;
  }

  /** Leases given up so far: transferred to a named successor vs released. */
  get counts(): Readonly<{ transferred: number; released: number }> {
    return { ...this.#counts };
  }

  /** Withdraws this worker as anybody's successor, scans once and requests a successor per held lease. */
  async prepare(maxWaitMs: number | undefined): Promise<void> {
    const { options: o, renewer, handoff } = this.#r;
    await handoff.leave();
    const held = [...renewer.keys()].filter((key) => renewer.isHeld(key));
    if (!o.gracefulHandoff || held.length === 0) return;
    try {
      const scan = await this.#r.taker.takeOnce(new Set(held), true);
      const plans = handoff.plan(held, scan.liveWorkers, scan.leases);
      if (plans.length === 0) return;
      // A successor sees the request at its next scan: within 1.25 of its period (the stagger slot), plus reads.
      const bound = 1.25 * this.#r.workerPeriodMs(scan) + 2 * o.handoffPollIntervalMs + 500;
      await handoff.request(plans, Math.min(bound, maxWaitMs ?? Number.POSITIVE_INFINITY));
    } catch (error) {
      this.#r.logger.warn({ err: error }, 'could not prepare handoffs; releasing instead');
    }
  }

  /** Waits for the lease's handoff (if any), then transfers or releases it; only forgets it when not held. */
  async release(shardId: string): Promise<void> {
    const { options: o, renewer, handoff } = this.#r;
    await handoff.ready(shardId);
    const successor = handoff.acknowledged(shardId);
    handoff.done(shardId);
    if (!renewer.holdsSession(shardId)) return;
    // No isHeld() check here: past its local expiry with a renewal on the way, the lease may be held still; the
    // give-up write queues behind that renewal and fails with LeaseLostError if the lease really is gone.
    try {
      const outcome = await giveUpLease(o.leaseTable, renewer, o.workerId, shardId, successor);
      this.#counts[outcome]++;
      this.#r.onHandoff(
        outcome === LeaseHandoffOutcome.TRANSFERRED && successor !== undefined
          ? { leaseKey: shardId, outcome, to: successor.to }
          : { leaseKey: shardId, outcome },
      );
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
    } finally {
      renewer.drop(shardId);
    }
  }
}
