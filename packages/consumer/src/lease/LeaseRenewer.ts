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
  /** Bytes the processor consumed since the last renewal (`recordProcessed`). */
  bytes: number;
  /** Local time the current throughput window started. */
  statsSince: number;
  /** Smoothed KB/s (the KCL 3 `throughputKBps`), carried over from the previous owner at the take. */
  throughputKBps: number | undefined;
}

/**
 * How long (in failover times) the last counter of an ended session is remembered: a take answer comes within the
 * request timeout and its retries, far less; past it, the lease would be expired in any case.
 */
const ENDED_MEMORY_FAILOVERS = 10;

/** Weight of the newest window in the smoothed throughput (the KCL 3 `LeaseStatsRecorder` uses 0.5). */
export const THROUGHPUT_SMOOTHING = 0.5;

export interface LeaseRenewerOptions {
  leaseTable: LeaseTable;
  workerId: string;
  failoverTimeMs: number;
  clock: Clock;
  logger: Logger;
  /** Called once per lease the moment it stops being held (not for `drop()`). */
  onLost: (lease: Lease, reason: LeaseLostReason) => void;
  /** Called with the item as each successful renewal wrote it (a handoff somebody asked for shows there). */
  onRenewed?: (lease: Lease) => void;
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
  /** Leases whose session ended here lately, with their last counter and when (see `add`). */
  readonly #ended = new Map<string, { counter: number; at: number }>();
  readonly #onRenewed: ((lease: Lease) => void) | undefined;
  #sessions = 0;
  /** Set once a processor reported consumed bytes: from then on renewals record each lease's throughput. */
  #tracking = false;

  constructor(options: LeaseRenewerOptions) {
    this.#table = options.leaseTable;
    this.#workerId = options.workerId;
    this.#failoverTimeMs = options.failoverTimeMs;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'LeaseRenewer', workerId: options.workerId });
    this.#onLost = options.onLost;
    this.#onRenewed = options.onRenewed;
  }

  /**
   * Starts holding a lease just taken (its counter as written by the take, `sentAt` when the take was sent), in a
   * new session; returns the session. Undefined, holding nothing, when the answer is older than a session of this
   * lease that already ended here: a take whose answer came late — after the lease had reached this worker another
   * way (a handover seen by a poll), been held and given up again. Starting from it would read from a checkpoint
   * long passed, in a lease somebody else holds.
   */
  add(lease: Lease, sentAt: number): number | undefined {
    const held = this.#held.get(lease.leaseKey);
    const ended = this.#ended.get(lease.leaseKey);
    if (held === undefined && ended !== undefined && lease.leaseCounter <= ended.counter) {
      this.#logger.debug({ shardId: lease.leaseKey, counter: lease.leaseCounter }, 'late take answer ignored');
      return undefined;
    }
    if (held === undefined) {
      const session = ++this.#sessions;
      this.#held.set(lease.leaseKey, {
        lease,
        lastBumpSentAt: sentAt,
        chain: Promise.resolve(),
        session,
        bytes: 0,
        statsSince: sentAt,
        throughputKBps: lease.throughputKBps,
      });
      return session;
    }
    // Re-taken while held (a take whose answer was lost): keep the write queue, move to the new counter (never back
    // to an older one, from an answer that came late).
    if (lease.leaseCounter >= held.lease.leaseCounter) held.lease = lease;
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

  /** The lease as this worker holds it while its session lasts (even past its local expiry). */
  heldLease(leaseKey: string): Lease | undefined {
    return this.#held.get(leaseKey)?.lease;
  }

  get(leaseKey: string): Lease | undefined {
    return this.isHeld(leaseKey) ? this.#held.get(leaseKey)?.lease : undefined;
  }

  /**
   * Counts bytes the processor consumed from a held lease (in `session`, when given): renewals record the lease's
   * smoothed throughput from them, which load-aware balancing reads.
   */
  recordProcessed(leaseKey: string, bytes: number, session?: number): void {
    const held = this.#held.get(leaseKey);
    if (held === undefined || (session !== undefined && held.session !== session)) return;
    held.bytes += bytes;
    this.#tracking = true;
  }

  /** The smoothed throughput of each held lease (KB/s), as last recorded. */
  throughputs(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, held] of this.#held) if (held.throughputKBps !== undefined) out.set(key, held.throughputKBps);
    return out;
  }

  /** One heartbeat per held lease, in parallel (the table bounds how many requests are in flight). */
  async renewOnce(): Promise<RenewResult> {
    this.#expireStale();
    const result: RenewResult = { renewed: [], lost: [], failed: [] };
    await Promise.all(
      [...this.#held.keys()].map(async (key) => {
        try {
          const stats = this.#stats(key);
          let written: Lease | undefined;
          const outcome = await this.#fenced(key, 'renew', async (counter) => {
            written = await this.#table.renewLease(key, this.#workerId, counter, stats);
            return written !== undefined;
          });
          if (outcome && written !== undefined) this.#onRenewed?.(written);
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

  /** This window's smoothed throughput of a held lease, to record with its renewal (once tracking is on). */
  #stats(key: string): { throughputKBps?: number } {
    const held = this.#held.get(key);
    if (held === undefined || !this.#tracking) return {};
    const now = this.#clock.now();
    const seconds = (now - held.statsSince) / 1000;
    if (seconds <= 0) return held.throughputKBps === undefined ? {} : { throughputKBps: held.throughputKBps };
    const kbps = held.bytes / 1024 / seconds;
    const previous = held.throughputKBps;
    held.throughputKBps =
      previous === undefined ? kbps : THROUGHPUT_SMOOTHING * kbps + (1 - THROUGHPUT_SMOOTHING) * previous;
    held.bytes = 0;
    held.statsSince = now;
    return { throughputKBps: held.throughputKBps };
  }

  /**
   * Takes over what a fresh, strongly consistent read shows of a held lease (its checkpoint, counter): the next
   * session started on it begins from the stored checkpoint, even after writes whose answers were lost.
   */
  adopt(fresh: Lease): void {
    const held = this.#held.get(fresh.leaseKey);
    if (held === undefined || fresh.leaseOwner !== this.#workerId) return;
    held.lease = fresh;
  }

  /** Stops holding a lease without reporting it lost (after a release or a shard end). */
  drop(leaseKey: string): void {
    const held = this.#held.get(leaseKey);
    if (held !== undefined) this.#end(leaseKey, held);
  }

  /** A session ends: its last counter is kept a while, so a late answer about an older version is recognised. */
  #end(leaseKey: string, held: HeldLease): void {
    this.#held.delete(leaseKey);
    const now = this.#clock.now();
    for (const [key, { at }] of this.#ended)
      if (now - at > ENDED_MEMORY_FAILOVERS * this.#failoverTimeMs) this.#ended.delete(key);
    this.#ended.set(leaseKey, { counter: held.lease.leaseCounter, at: now });
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
    this.#end(key, held);
    this.#logger.warn({ shardId: key, reason }, 'lease lost');
    this.#onLost(held.lease, reason);
  }
}
