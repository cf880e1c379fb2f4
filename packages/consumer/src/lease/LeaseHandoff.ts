import type { Clock, Logger, TimerHandle } from '@kinesis-kit/commons';
import { isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import type { Lease } from './Lease.js';
import type { LeaseTable } from './LeaseTable.js';

export interface LeaseHandoffOptions {
  leaseTable: LeaseTable;
  workerId: string;
  failoverTimeMs: number;
  pollIntervalMs: number;
  maxLeasesForWorker: number;
  clock: Clock;
  logger: Logger;
  random: () => number;
  /** Leases this worker holds now (its load, when it is a successor). */
  heldCount: () => number;
  /** A lease handed to this worker: start holding it (`sentAt`: a local time no later than the transfer). */
  onReceived: (lease: Lease, sentAt: number) => void;
}

/** What the owner knows about one lease it is handing over (asked by a stop, or by a balancing move). */
interface Outgoing {
  readonly to: string;
  readonly id: string;
  readonly deadline: number;
  /** `push`: this worker is stopping and named the successor; `pull`: the successor asked (a balancing move). */
  readonly kind: 'push' | 'pull';
  state: 'requested' | 'acknowledged' | 'abandoned';
  /** The request write landed: only then does a read that lacks it mean the request is gone. */
  written: boolean;
  readonly ready: Promise<void>;
  resolve: () => void;
}

/** A lease this worker acknowledged (or asked for) as successor and now watches until it is transferred. */
interface Incoming {
  readonly from: string;
  readonly id: string;
  readonly deadline: number;
  /** `pull`: this worker asked for it (a balancing move), and cancels the request when it gives up waiting. */
  readonly kind: 'push' | 'pull';
  /** Send time of the last read that still showed `from` as owner: the transfer happened after it. */
  ownedByFromAt: number;
}

/** The successor a stopping worker picked for one lease. */
export interface HandoffPlan {
  readonly leaseKey: string;
  readonly to: string;
}

/**
 * (Over 400 lines: both sides of one protocol — requests out, requests in — share one poll loop with one batched read.)
 *
 * Both sides of the graceful handoff (docs/leases.md, "Graceful handoff"). The stopping owner names a successor
 * per lease (`request`) and watches for its acknowledgement; a successor acknowledges requests naming it when its
 * scan sees them (`onScan`) and watches those leases until they are transferred. Every read is bounded in time;
 * nothing here changes `leaseCounter` except the transfer itself (done by the coordinator, fenced).
 */
export class LeaseHandoff {
  readonly #o: LeaseHandoffOptions;
  readonly #logger: Logger;
  readonly #outgoing = new Map<string, Outgoing>();
  readonly #incoming = new Map<string, Incoming>();
  /** Request ids this worker already acted on (a request is acknowledged on first sight only). */
  readonly #seen = new Set<string>();
  /** Leases whose owner declined a move this worker asked for, with when: not asked for again for a while. */
  readonly #declined = new Map<string, number>();
  #timer: TimerHandle | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;
  /** True once this worker is stopping itself: it is nobody's successor any more. */
  #leaving = false;

  constructor(options: LeaseHandoffOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'LeaseHandoff', workerId: options.workerId });
  }

  get incomingCount(): number {
    return this.#incoming.size;
  }

  /** True while this worker is handing the lease over (a stop's request or a move somebody asked for). */
  isHandingOver(leaseKey: string): boolean {
    const entry = this.#outgoing.get(leaseKey);
    return entry !== undefined && entry.state !== 'abandoned';
  }

  /** True while this worker waits to receive the lease. */
  isReceiving(leaseKey: string): boolean {
    return this.#incoming.has(leaseKey);
  }

  /**
   * Owner side of a balancing move: `to` asked for the lease (request `id`, acknowledged by its asking). The lease is
   * ready to be given up at once: stop the shard, then `releaseLease` transfers it. False when already handing over.
   */
  adoptPull(leaseKey: string, to: string, id: string): boolean {
    if (this.#stopped || this.isHandingOver(leaseKey)) return false;
    this.#outgoing.set(leaseKey, {
      to,
      id,
      kind: 'pull',
      deadline: Number.POSITIVE_INFINITY,
      state: 'acknowledged',
      written: true,
      ready: Promise.resolve(),
      resolve: () => undefined,
    });
    return true;
  }

  /**
   * Owner side: refuses a balancing move (its shard was stopped on purpose here: the lease stays put). Cancels the
   * request so the asker stops waiting.
   */
  async declinePull(leaseKey: string): Promise<void> {
    const entry = this.#outgoing.get(leaseKey);
    if (entry?.kind !== 'pull') return;
    this.#outgoing.delete(leaseKey);
    try {
      await this.#o.leaseTable.cancelHandoff(leaseKey, entry.id);
    } catch (error) {
      this.#logger.debug({ err: error, leaseKey }, 'declining a balancing move failed; the asker gives up in time');
    }
  }

  /** True when the lease's owner declined a move this worker asked for within `withinMs`. */
  recentlyDeclined(leaseKey: string, withinMs: number): boolean {
    const at = this.#declined.get(leaseKey);
    if (at === undefined) return false;
    if (this.#o.clock.now() - at < withinMs) return true;
    this.#declined.delete(leaseKey);
    return false;
  }

  /** Whether the lease's handoff is a balancing move somebody asked for (not this worker's own stop). */
  isPull(leaseKey: string): boolean {
    return this.#outgoing.get(leaseKey)?.kind === 'pull';
  }

  /**
   * Successor side of a balancing move: this worker wrote request `id` on `from`'s lease; watch it until it is
   * transferred, or cancel the request after `timeoutMs`.
   */
  watchPull(leaseKey: string, from: string, id: string, timeoutMs: number): void {
    if (this.#leaving || this.#stopped) return;
    const now = this.#o.clock.now();
    this.#incoming.set(leaseKey, { from, id, kind: 'pull', deadline: now + timeoutMs, ownedByFromAt: now });
    this.#kick();
  }

  /** Writes the requests (owner-conditional, counter untouched) and watches them for `ackTimeoutMs` at most. */
  async request(plans: readonly HandoffPlan[], ackTimeoutMs: number): Promise<void> {
    this.#leaving = true;
    const now = this.#o.clock.now();
    await Promise.all(
      plans.map(async ({ leaseKey, to }) => {
        const id = `${this.#o.workerId}/${now.toString(36)}/${Math.floor(this.#o.random() * 2 ** 32).toString(36)}`;
        let resolve: () => void = () => undefined;
        const ready = new Promise<void>((r) => {
          resolve = r;
        });
        const entry: Outgoing = {
          to,
          id,
          kind: 'push',
          deadline: now + ackTimeoutMs,
          state: 'requested',
          written: false,
          ready,
          resolve,
        };
        this.#outgoing.set(leaseKey, entry);
        try {
          const ok = await this.#o.leaseTable.requestHandoff(leaseKey, this.#o.workerId, to, id, Date.now());
          if (ok) entry.written = true;
          else this.#abandon(entry);
        } catch (error) {
          this.#logger.warn({ err: error, shardId: leaseKey }, 'handoff request failed; releasing instead');
          this.#abandon(entry);
        }
      }),
    );
    this.#kick();
  }

  /** Resolves when the lease may be stopped: its successor acknowledged, or the handoff was abandoned. */
  ready(leaseKey: string): Promise<void> {
    return this.#outgoing.get(leaseKey)?.ready ?? Promise.resolve();
  }

  /** The acknowledged successor of a lease this worker is handing over, if any. */
  acknowledged(leaseKey: string): { to: string; id: string } | undefined {
    const entry = this.#outgoing.get(leaseKey);
    return entry?.state === 'acknowledged' ? { to: entry.to, id: entry.id } : undefined;
  }

  /** Forgets an outgoing handoff (after the transfer or the release). */
  done(leaseKey: string): void {
    const entry = this.#outgoing.get(leaseKey);
    if (entry === undefined) return;
    this.#abandon(entry);
    this.#outgoing.delete(leaseKey);
  }

  /**
   * Successor side, after every scan: acknowledges fresh requests naming this worker on leases whose owner is
   * live, then watches them. A request is acted on at first sight only; one on a lease whose owner is not live
   * (a crashed requester) is ignored: that lease expires and is taken as usual (the take clears the request).
   */
  async onScan(leases: readonly Lease[], liveWorkers: readonly string[]): Promise<void> {
    if (this.#leaving || this.#stopped) return;
    const me = this.#o.workerId;
    const fresh = leases.filter(
      (l) =>
        l.handoff !== undefined &&
        l.handoff.to === me &&
        !l.handoff.acknowledged &&
        !this.#seen.has(l.handoff.id) &&
        l.leaseOwner !== undefined &&
        l.leaseOwner !== me &&
        liveWorkers.includes(l.leaseOwner) &&
        !isShardEnd(l.checkpoint),
    );
    if (this.#seen.size > 10_000) this.#seen.clear();
    let room = this.#o.maxLeasesForWorker - this.#o.heldCount() - this.#incoming.size;
    await Promise.all(
      fresh.map(async (lease) => {
        const { id } = lease.handoff!;
        const from = lease.leaseOwner!;
        this.#seen.add(id);
        if (room <= 0) return;
        room--;
        const sentAt = this.#o.clock.now();
        try {
          if (!(await this.#o.leaseTable.acknowledgeHandoff(lease.leaseKey, from, me, id))) return;
        } catch (error) {
          this.#logger.warn({ err: error, shardId: lease.leaseKey }, 'handoff acknowledgement failed');
          return;
        }
        if (this.#leaving || this.#stopped) return;
        this.#incoming.set(lease.leaseKey, {
          from,
          id,
          kind: 'push',
          deadline: sentAt + this.#o.failoverTimeMs,
          ownedByFromAt: sentAt,
        });
        this.#logger.debug({ shardId: lease.leaseKey, from }, 'acknowledged a handoff');
      }),
    );
    this.#kick();
  }

  /**
   * This worker is stopping: it is no successor any more. Withdraws its acknowledgements (so the owners release
   * instead of transferring); a lease already transferred to it is released at once.
   */
  async leave(): Promise<void> {
    this.#leaving = true;
    const incoming = [...this.#incoming];
    this.#incoming.clear();
    await Promise.allSettled(
      incoming.map(async ([leaseKey, entry]) => {
        // A move this worker asked for is cancelled outright (the owner keeps the lease); a stop's request
        // stays, unacknowledged, and its owner releases instead.
        const withdrawn =
          entry.kind === 'pull'
            ? await this.#o.leaseTable.cancelHandoff(leaseKey, entry.id)
            : await this.#o.leaseTable.withdrawHandoffAck(leaseKey, entry.from, entry.id);
        if (withdrawn) return;
        const lease = await this.#o.leaseTable.getLease(leaseKey);
        if (lease?.leaseOwner === this.#o.workerId) {
          await this.#o.leaseTable.evictLease(leaseKey, this.#o.workerId, lease.leaseCounter);
        }
      }),
    );
  }

  /** Stops watching (abandoning any outgoing handoff still waiting). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const entry of this.#outgoing.values()) this.#abandon(entry);
    this.#incoming.clear();
    await this.#polling;
  }

  #abandon(entry: Outgoing): void {
    if (entry.state === 'requested') entry.state = 'abandoned';
    entry.resolve();
  }

  #kick(): void {
    if (this.#stopped || this.#timer !== undefined || this.#polling !== undefined) return;
    if (!this.#hasWork()) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined;
        this.#kick();
      });
    }, this.#o.pollIntervalMs);
  }

  #hasWork(): boolean {
    if (this.#incoming.size > 0) return true;
    for (const entry of this.#outgoing.values()) if (entry.state === 'requested') return true;
    return false;
  }

  async #poll(): Promise<void> {
    const now = this.#o.clock.now();
    const outgoing: [string, Outgoing][] = [];
    const incoming: [string, Incoming][] = [];
    for (const [leaseKey, entry] of this.#outgoing) {
      if (entry.state !== 'requested') continue;
      if (now >= entry.deadline) {
        this.#logger.info({ leaseKey, to: entry.to }, 'handoff not acknowledged in time; releasing');
        this.#abandon(entry);
        continue;
      }
      // A read sent before the request landed would not show it: such an entry waits for the next poll.
      if (entry.written) outgoing.push([leaseKey, entry]);
    }
    const expired: [string, Incoming][] = [];
    for (const [leaseKey, entry] of this.#incoming) {
      if (now >= entry.deadline) {
        this.#incoming.delete(leaseKey);
        if (entry.kind === 'pull') expired.push([leaseKey, entry]);
        continue;
      }
      incoming.push([leaseKey, entry]);
    }
    // Moves this worker asked for that did not happen in time: withdrawn, so the owner keeps the lease. If the
    // cancel fails the owner may have transferred it already: one last look.
    await Promise.all(expired.map(([leaseKey, entry]) => this.#cancelPull(leaseKey, entry)));
    if (outgoing.length === 0 && incoming.length === 0) return;
    // One batched, strongly consistent read for every lease involved (not a read per lease per poll).
    const sentAt = this.#o.clock.now();
    let leases: Map<string, Lease>;
    try {
      leases = await this.#o.leaseTable.getLeases([...outgoing, ...incoming].map(([key]) => key));
    } catch {
      return; // read again at the next poll (the deadlines bound it)
    }
    for (const [leaseKey, entry] of outgoing) this.#checkOutgoing(leaseKey, entry, leases.get(leaseKey));
    await Promise.all(
      incoming.map(([leaseKey, entry]) => this.#checkIncoming(leaseKey, entry, leases.get(leaseKey), sentAt)),
    );
  }

  async #cancelPull(leaseKey: string, entry: Incoming): Promise<void> {
    try {
      if (await this.#o.leaseTable.cancelHandoff(leaseKey, entry.id)) {
        this.#logger.debug({ leaseKey, from: entry.from }, 'balancing move not done in time; cancelled');
        return;
      }
      const lease = await this.#o.leaseTable.getLease(leaseKey);
      if (lease?.leaseOwner === this.#o.workerId && !this.#leaving && !this.#stopped)
        this.#o.onReceived(lease, entry.ownedByFromAt);
    } catch (error) {
      this.#logger.debug({ err: error, leaseKey }, 'cancelling a balancing move failed; the owner settles it');
    }
  }

  #checkOutgoing(leaseKey: string, entry: Outgoing, lease: Lease | undefined): void {
    if (entry.state !== 'requested') return;
    const h = lease?.handoff;
    if (lease?.leaseOwner === this.#o.workerId && h !== undefined && h.id !== entry.id && h.acknowledged) {
      // A balancing move replaced our request before its successor answered: that worker is listening already.
      this.#outgoing.set(leaseKey, { ...entry, to: h.to, id: h.id, kind: 'pull', state: 'acknowledged' });
      entry.resolve();
    } else if (lease === undefined || lease.leaseOwner !== this.#o.workerId || h?.id !== entry.id) {
      this.#abandon(entry);
    } else if (h.acknowledged) {
      entry.state = 'acknowledged';
      entry.resolve();
    }
  }

  async #checkIncoming(leaseKey: string, entry: Incoming, lease: Lease | undefined, sentAt: number): Promise<void> {
    const me = this.#o.workerId;
    if (this.#incoming.get(leaseKey) !== entry || this.#leaving) return;
    if (lease?.leaseOwner === entry.from && lease.handoff?.id === entry.id) {
      entry.ownedByFromAt = sentAt;
      return;
    }
    this.#incoming.delete(leaseKey);
    if (lease === undefined || isShardEnd(lease.checkpoint)) return;
    if (entry.kind === 'pull' && lease.leaseOwner === entry.from) {
      // Still the owner's, our request gone: it declined (its shard is stopped there on purpose).
      if (this.#declined.size > 10_000) this.#declined.clear();
      this.#declined.set(leaseKey, this.#o.clock.now());
      return;
    }
    if (lease.leaseOwner === me) {
      this.#o.onReceived(lease, entry.ownedByFromAt);
    } else if (lease.leaseOwner === undefined) {
      // The owner released instead (it gave up waiting, or its transfer failed): take it now.
      const takeSentAt = this.#o.clock.now();
      try {
        const taken = await this.#o.leaseTable.takeLease(lease, me);
        if (taken === undefined) return;
        if (this.#leaving) await this.#o.leaseTable.evictLease(leaseKey, me, taken.leaseCounter);
        else this.#o.onReceived(taken, takeSentAt);
      } catch (error) {
        this.#logger.debug({ err: error, leaseKey }, 'taking a released lease failed; the scan will');
      }
    }
  }
}
