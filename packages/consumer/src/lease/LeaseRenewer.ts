import type { Clock, Logger } from '@kinesis-kit/commons';
import { LeaseLostError } from '../errors.js';
import type { Lease } from './Lease.js';
import type { LeaseTable } from './LeaseTable.js';

/** Why a held lease stopped being held. */
export const LeaseLostReason = {
  /** A renewal or checkpoint failed its condition: another worker owns the lease now. */
  TAKEN: 'taken',
  /** No renewal succeeded for `failoverTimeMs` (throttling, timeouts): others may take it any moment. */
  EXPIRED: 'expired',
  /** The lease item is gone (deleted by shard cleanup). */
  DELETED: 'deleted',
} as const;
export type LeaseLostReason = (typeof LeaseLostReason)[keyof typeof LeaseLostReason];

interface HeldLease {
  lease: Lease;
  /**
   * This worker's holding of the lease, unique per worker: a lease lost and taken again is a new session. Every
   * fenced write of a runner names its session, so a batch still inside the processor from a lost session can
   * never checkpoint over what happened since (the KCL's per-lease concurrency token).
   */
  session: number;
  /** Local time at which the last successful counter-bumping write was *sent*: others can take at +failover. */
  lastBumpSentAt: number;
  /** Tail of this lease's write queue: renewals, checkpoints and releases never race each other's counter. */
  chain: Promise<unknown>;
}

export interface LeaseRenewerOptions {
  leaseTable: LeaseTable;
  workerId: string;
  failoverTimeMs: number;
  clock: Clock;
  logger: Logger;
  /** Called once per lease the moment it stops being held (not for `drop()`). */
  onLost: (lease: Lease, reason: LeaseLostReason) => void;
}

/** Result of one renewal round. */
export interface RenewResult {
  renewed: string[];
  lost: string[];
  /** Renewals that failed with an error (the lease is still held until it expires locally). */
  failed: string[];
}

/**
 * The leases this worker holds, and every write that needs to hold one: heartbeats (`renewOnce`), fenced
 * checkpoints and releases. Writes to one lease run one at a time, each conditional on the counter the previous
 * one produced. A lease counts as held only while its last successful write was sent less than
 * `failoverTimeMs` ago by this worker's clock: past that, another worker may rightly take it.
 */
export class LeaseRenewer {
  readonly #table: LeaseTable;
  readonly #workerId: string;
  readonly #failoverTimeMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onLost: LeaseRenewerOptions['onLost'];
  readonly #held = new Map<string, HeldLease>();
  #sessions = 0;

  constructor(options: LeaseRenewerOptions) {
    this.#table = options.leaseTable;
    this.#workerId = options.workerId;
    this.#failoverTimeMs = options.failoverTimeMs;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'LeaseRenewer', workerId: options.workerId });
    this.#onLost = options.onLost;
  }

  /**
   * Starts holding a lease just taken (its counter as written by the take, `sentAt` when the take was sent), in a
   * new session; returns the session.
   */
  add(lease: Lease, sentAt: number): number {
    const held = this.#held.get(lease.leaseKey);
    if (held === undefined) {
      const session = ++this.#sessions;
      this.#held.set(lease.leaseKey, { lease, lastBumpSentAt: sentAt, chain: Promise.resolve(), session });
      return session;
    }
    // Re-taken while held (a take whose answer was lost): keep the write queue, move to the new counter.
    held.lease = lease;
    held.lastBumpSentAt = Math.max(held.lastBumpSentAt, sentAt);
    return held.session;
  }

  /** Held (in `session`, when given) and not expired by our own clock. */
  isHeld(leaseKey: string, session?: number): boolean {
    const held = this.#held.get(leaseKey);
    return (
      held !== undefined &&
      (session === undefined || held.session === session) &&
      this.#clock.now() - held.lastBumpSentAt < this.#failoverTimeMs
    );
  }

  /**
   * True while the session (any, without `session`) has not ended — the lease was not lost, dropped or released —
   * even when it is past its local expiry with a renewal still on the way: writes queued now run after that renewal
   * and are fenced then.
   */
  holdsSession(leaseKey: string, session?: number): boolean {
    const held = this.#held.get(leaseKey);
    return held !== undefined && (session === undefined || held.session === session);
  }

  /** The session of a lease held now, or undefined. */
  sessionOf(leaseKey: string): number | undefined {
    return this.isHeld(leaseKey) ? this.#held.get(leaseKey)?.session : undefined;
  }

  get size(): number {
    return this.#held.size;
  }

  keys(): IterableIterator<string> {
    return this.#held.keys();
  }

  /** Snapshot of held leases with their sessions (expired ones are reported lost first). */
  snapshot(): ReadonlyMap<string, { lease: Lease; session: number }> {
    this.#expireStale();
    const out = new Map<string, { lease: Lease; session: number }>();
    for (const [key, held] of this.#held) out.set(key, { lease: held.lease, session: held.session });
    return out;
  }

  get(leaseKey: string): Lease | undefined {
    return this.isHeld(leaseKey) ? this.#held.get(leaseKey)?.lease : undefined;
  }

  /** One heartbeat per held lease, in parallel. */
  async renewOnce(): Promise<RenewResult> {
    this.#expireStale();
    const result: RenewResult = { renewed: [], lost: [], failed: [] };
    await Promise.all(
      [...this.#held.keys()].map(async (key) => {
        try {
          const outcome = await this.#fenced(key, 'renew', (counter) =>
            this.#table.renewLease(key, this.#workerId, counter),
          );
          (outcome ? result.renewed : result.lost).push(key);
        } catch (error) {
          if (error instanceof LeaseLostError) {
            result.lost.push(key);
            return;
          }
          result.failed.push(key);
          this.#logger.warn({ err: error, shardId: key }, 'lease renewal failed; retrying');
        }
      }),
    );
    this.#expireStale();
    return result;
  }

  /**
   * Runs a counter-fenced write on a held lease, after any write already queued for it. `write` gets the
   * counter to condition on; `applied` recognises the write's own effect on a fresh read (an ambiguous failure:
   * the SDK retried after a lost response). Resolves to the updated lease; throws `LeaseLostError` when the
   * lease is not held — or, with `session`, not held in that session — (and reports it lost), or the table's error.
   */
  async write(
    leaseKey: string,
    operation: string,
    write: (counter: number) => Promise<boolean>,
    update: (lease: Lease) => Lease = (lease) => lease,
    applied?: (fresh: Lease) => boolean,
    session?: number,
  ): Promise<Lease> {
    const ok = await this.#fenced(leaseKey, operation, write, update, applied, session);
    const held = this.#held.get(leaseKey);
    if (!ok || held === undefined) throw new LeaseLostError(leaseKey, this.#workerId);
    return held.lease;
  }

  /** Stops holding a lease without reporting it lost (after a release or a shard end). */
  drop(leaseKey: string): void {
    this.#held.delete(leaseKey);
  }

  /** Stops holding every lease silently (coordinator stop without release). */
  clear(): void {
    this.#held.clear();
  }

  #fenced(
    leaseKey: string,
    operation: string,
    write: (counter: number) => Promise<boolean>,
    update: (lease: Lease) => Lease = (lease) => lease,
    applied?: (fresh: Lease) => boolean,
    session?: number,
  ): Promise<boolean> {
    const held = this.#held.get(leaseKey);
    if (held === undefined || (session !== undefined && held.session !== session))
      return Promise.reject(new LeaseLostError(leaseKey, this.#workerId));
    const run = async (): Promise<boolean> => {
      if (this.#held.get(leaseKey) !== held) throw new LeaseLostError(leaseKey, this.#workerId);
      if (this.#expireIfStale(leaseKey, held)) throw new LeaseLostError(leaseKey, this.#workerId);
      for (let attempt = 0; attempt < 2; attempt++) {
        const counter = held.lease.leaseCounter;
        const sentAt = this.#clock.now();
        if (await write(counter)) {
          held.lease = { ...update(held.lease), leaseCounter: counter + 1 };
          held.lastBumpSentAt = sentAt;
          return true;
        }
        // The condition failed. Either another worker owns the lease now, or an earlier write of ours landed
        // although we never heard (a timeout, or the SDK retrying after a lost response): then the item still
        // names us as owner, and nobody else ever writes our name.
        const fresh = await this.#table.getLease(leaseKey);
        if (this.#held.get(leaseKey) !== held) throw new LeaseLostError(leaseKey, this.#workerId);
        if (fresh === undefined || fresh.leaseOwner !== this.#workerId) {
          this.#lose(leaseKey, held, fresh === undefined ? LeaseLostReason.DELETED : LeaseLostReason.TAKEN);
          return false;
        }
        held.lease = { ...held.lease, leaseCounter: fresh.leaseCounter };
        if (applied?.(fresh) === true) {
          // Our write landed at some unknown time: keep the older send time, so local expiry stays conservative.
          held.lease = { ...update(held.lease), leaseCounter: fresh.leaseCounter };
          return true;
        }
        this.#logger.debug({ shardId: leaseKey, operation, counter: fresh.leaseCounter }, 'adopted counter; retrying');
      }
      this.#lose(leaseKey, held, LeaseLostReason.TAKEN);
      return false;
    };
    const next = held.chain.then(run, run);
    held.chain = next.catch(() => undefined);
    return next;
  }

  #expireStale(): void {
    for (const [key, held] of this.#held) this.#expireIfStale(key, held);
  }

  #expireIfStale(key: string, held: HeldLease): boolean {
    if (this.#clock.now() - held.lastBumpSentAt < this.#failoverTimeMs) return false;
    this.#lose(key, held, LeaseLostReason.EXPIRED);
    return true;
  }

  #lose(key: string, held: HeldLease, reason: LeaseLostReason): void {
    if (this.#held.get(key) !== held) return;
    this.#held.delete(key);
    this.#logger.warn({ shardId: key, reason }, 'lease lost');
    this.#onLost(held.lease, reason);
  }
}
