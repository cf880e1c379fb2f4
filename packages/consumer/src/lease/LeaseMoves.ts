import type { Clock, Logger } from '@kinesis-kit/commons';
import type { Lease } from './Lease.js';
import type { LeaseHandoff } from './LeaseHandoff.js';
import type { LeaseTable } from './LeaseTable.js';

/** How long (in failover times) a declined move is not asked for again. */
const DECLINE_BACKOFF_FAILOVERS = 30;

export interface LeaseMovesOptions {
  leaseTable: LeaseTable;
  workerId: string;
  failoverTimeMs: number;
  renewalIntervalMs: number;
  handoff: LeaseHandoff;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** The coordinator runs and is not leaving: only then are moves asked for or honoured. */
  active: () => boolean;
  /** Tells whoever runs the lease's shard to stop it and release the lease; false when nobody listens. */
  requested: (leaseKey: string, to: string) => boolean;
  /** Gives the lease up (transfers it to the worker that asked). */
  release: (leaseKey: string) => Promise<void>;
}

/**
 * Balancing moves, both sides. The worker that should hold a lease asks its owner for it (`request`: one
 * conditional write on the lease, acknowledged by the asking itself) and watches it come; the owner sees the request
 * in what its next renewal returns (`onRenewed`), stops the shard as in a graceful stop (its processor checkpoints)
 * and transfers the lease. No window of two owners and no duplicates, where a steal had both.
 */
export class LeaseMoves {
  readonly #o: LeaseMovesOptions;

  constructor(options: LeaseMovesOptions) {
    this.#o = options;
  }

  /** Owner side: a renewal returned the item; act on a move somebody asked for. */
  onRenewed(lease: Lease): void {
    const { handoff, workerId, logger } = this.#o;
    const h = lease.handoff;
    if (h === undefined || !h.acknowledged || h.to === workerId || !this.#o.active()) return;
    if (!handoff.adoptPull(lease.leaseKey, h.to, h.id)) return;
    logger.debug({ leaseKey: lease.leaseKey, to: h.to }, 'balancing move asked for; handing over');
    if (this.#o.requested(lease.leaseKey, h.to)) return;
    this.#o
      .release(lease.leaseKey)
      .catch((error: unknown) => logger.warn({ err: error, leaseKey: lease.leaseKey }, 'handing a lease over failed'));
  }

  /** Asker side: asks the owner of `lease` to hand it over to this worker; true when the request was written. */
  async request(lease: Lease): Promise<boolean> {
    const { handoff, workerId } = this.#o;
    const owner = lease.leaseOwner;
    if (owner === undefined || !this.#o.active() || handoff.isReceiving(lease.leaseKey)) return false;
    // A lease whose owner declined a move lately (its shard is stopped there on purpose) is not asked for again soon.
    if (handoff.recentlyDeclined(lease.leaseKey, DECLINE_BACKOFF_FAILOVERS * this.#o.failoverTimeMs)) return false;
    const id = `${workerId}/${this.#o.clock.now().toString(36)}/${Math.floor(this.#o.random() * 2 ** 32).toString(36)}`;
    if (!(await this.#o.leaseTable.requestPull(lease.leaseKey, owner, workerId, id, Date.now()))) return false;
    // The owner sees the request at its next renewal, then stops the shard: wait that long and a failover more.
    handoff.watchPull(lease.leaseKey, owner, id, this.#o.failoverTimeMs + this.#o.renewalIntervalMs);
    return true;
  }
}
