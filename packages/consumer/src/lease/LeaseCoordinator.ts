import { type Clock, type Logger, type TimerHandle, TypedEmitter } from '@kinesis-kit/commons';
import { ConsumerError, LeaseLostError } from '../errors.js';
import {
  compareExtendedSequenceNumbers,
  type ExtendedSequenceNumber,
  isShardEnd,
  isValidExtendedSequenceNumber,
  SHARD_END,
} from '../sequence/ExtendedSequenceNumber.js';
import { createChildLeases } from '../shardSync/createChildLeases.js';
import type { ChildShardInfo, SyncResult } from '../shardSync/ShardSyncer.js';
import type { Lease } from './Lease.js';
import { type LeaseLostReason, LeaseRenewer, type RenewResult } from './LeaseRenewer.js';
import { LeaseTaker, type TakeResult } from './LeaseTaker.js';
import {
  type LeaseCoordinatorOptions,
  type ResolvedLeaseCoordinatorOptions,
  resolveLeaseCoordinatorOptions,
} from './leaseCoordinatorOptions.js';

/** The lease layer's events; payloads are snapshots. */
export interface LeaseCoordinatorEvents {
  /** This worker now holds the lease (taken, stolen or re-taken). */
  lease_gained: Lease;
  /** The lease is no longer held: stop processing the shard before delivering another record. */
  lease_lost: Lease & { readonly reason: LeaseLostReason };
  /** After every taking cycle (instrumentation, tests). */
  taking_cycle: Omit<TakeResult, 'leases' | 'taken'> & { readonly taken: readonly string[] };
  /** After every shard sync. */
  shard_sync: SyncResult;
  /** A background step failed; it is retried on the next cycle. */
  error: { readonly error: unknown; readonly context: 'renew' | 'take' | 'shard_sync' };
}

const State = { IDLE: 'idle', RUNNING: 'running', STOPPED: 'stopped' } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Runs the lease protocol for one worker: renewal (`renewOnce`), taking and balancing (`takeOnce`) and shard
 * discovery (`syncOnce`), each a single step the timers here merely repeat; plus the fenced writes a worker
 * needs (`checkpoint`, `shardEnded`, `releaseLease`). See docs/leases.md for the algorithm and its timings.
 */
export class LeaseCoordinator {
  readonly workerId: string;
  readonly #o: ResolvedLeaseCoordinatorOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #events: TypedEmitter<LeaseCoordinatorEvents>;
  readonly #renewer: LeaseRenewer;
  readonly #taker: LeaseTaker;
  /** Leases released by this worker: never taken back by it (they are meant for others). */
  readonly #doNotTake = new Set<string>();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #state: State = State.IDLE;
  #lastTake: TakeResult | undefined;
  #takeChain: Promise<unknown> = Promise.resolve();

  constructor(options: LeaseCoordinatorOptions) {
    this.#o = resolveLeaseCoordinatorOptions(options);
    this.workerId = this.#o.workerId;
    this.#clock = this.#o.clock;
    this.#logger = this.#o.logger.child({ component: 'LeaseCoordinator', workerId: this.workerId });
    this.#events = new TypedEmitter(this.#logger);
    this.#renewer = new LeaseRenewer({
      leaseTable: this.#o.leaseTable,
      workerId: this.workerId,
      failoverTimeMs: this.#o.failoverTimeMs,
      clock: this.#clock,
      logger: this.#o.logger,
      onLost: (lease, reason) => this.#events.emit('lease_lost', { ...lease, reason }),
    });
    this.#taker = new LeaseTaker({
      leaseTable: this.#o.leaseTable,
      workerId: this.workerId,
      failoverTimeMs: this.#o.failoverTimeMs,
      maxLeasesForWorker: this.#o.maxLeasesForWorker,
      maxLeasesToStealAtOneTime: this.#o.maxLeasesToStealAtOneTime,
      clock: this.#clock,
      logger: this.#o.logger,
      random: this.#o.random,
    });
  }

  get options(): ResolvedLeaseCoordinatorOptions {
    return this.#o;
  }

  on<E extends keyof LeaseCoordinatorEvents>(event: E, listener: (payload: LeaseCoordinatorEvents[E]) => void) {
    return this.#events.on(event, listener);
  }

  /** Prepares the table, takes a first share of leases (syncing shards first when needed), starts the loops. */
  async start(): Promise<void> {
    if (this.#state === State.RUNNING) return;
    this.#state = State.RUNNING;
    this.#doNotTake.clear();
    try {
      await this.#o.leaseTable.initialize();
      // One shard sync per start (new shards, children a crashed fleet never created); afterwards only the
      // lowest live worker id syncs periodically.
      const first = await this.takeOnce();
      if (this.#o.shardSyncer !== undefined) {
        const sync = await this.syncOnce(first.leases);
        if (sync.created.length > 0) await this.takeOnce();
      }
    } catch (error) {
      // Leases taken so far stay held (and renewed once the loops run): a retried start() continues from here.
      this.#state = State.IDLE;
      throw error;
    }
    this.#schedule('renew', this.#o.renewalIntervalMs, () => this.#renewStep());
    this.#schedule('take', this.#nextTakeDelay(), () => this.#takeStep());
    if (this.#o.shardSyncer !== undefined) {
      this.#schedule('sync', this.#jitter(this.#o.shardSyncIntervalMs), () => this.#syncStep());
    }
  }

  /** Stops the loops and waits for running steps. Held leases are not released (see `releaseLease`). */
  async stop(): Promise<void> {
    if (this.#state !== State.RUNNING) return;
    this.#state = State.STOPPED;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Leases held now (expired ones are reported lost first). */
  getHeldLeases(): ReadonlyMap<string, Lease> {
    return this.#renewer.snapshot();
  }

  /** True while the lease is held and not past `failoverTimeMs` since its last successful renewal. */
  isHeld(shardId: string): boolean {
    return this.#renewer.isHeld(shardId);
  }

  /** A fresh, strongly consistent read of one lease (parents' `SHARD_END` check). */
  getLease(shardId: string): Promise<Lease | undefined> {
    return this.#o.leaseTable.getLease(shardId);
  }

  /**
   * True when every parent of the shard is finished: its lease checkpointed `SHARD_END`, or gone (cleaned up
   * past retention, or never created because processing started below it). A child starts only then.
   */
  async parentsFinished(shardId: string): Promise<boolean> {
    const lease = this.#renewer.get(shardId) ?? (await this.#o.leaseTable.getLease(shardId));
    if (lease === undefined) return true;
    for (const parent of lease.parentShardIds) {
      const parentLease = await this.#o.leaseTable.getLease(parent);
      if (parentLease !== undefined && !isShardEnd(parentLease.checkpoint)) return false;
    }
    return true;
  }

  /**
   * Writes a checkpoint, fenced by ownership: the write succeeds only if this worker still owns the lease with
   * the counter it last wrote. Throws `LeaseLostError` otherwise (and reports `lease_lost`), or a
   * `LeaseTableError` (retriable ones may be retried by the caller).
   */
  async checkpoint(
    shardId: string,
    position: ExtendedSequenceNumber,
    options: { pendingCheckpoint?: ExtendedSequenceNumber | null } = {},
  ): Promise<void> {
    if (!isValidExtendedSequenceNumber(position)) {
      throw new ConsumerError(`Invalid checkpoint ${JSON.stringify(position)} for shard ${shardId}`);
    }
    const pendingCheckpoint = options.pendingCheckpoint ?? null;
    await this.#renewer.write(
      shardId,
      'checkpoint',
      (counter) =>
        this.#o.leaseTable.updateCheckpoint(shardId, this.workerId, counter, {
          checkpoint: position,
          pendingCheckpoint,
        }),
      (lease) => withCheckpoint(lease, position, pendingCheckpoint),
      (fresh) => compareExtendedSequenceNumbers(fresh.checkpoint, position) === 0,
    );
  }

  /**
   * The shard was read to its end: creates the children's leases (from `childShards`, else by a shard sync),
   * then checkpoints `SHARD_END` (fenced) and stops holding the lease. No `lease_lost` is emitted for it.
   */
  async shardEnded(shardId: string, childShards?: readonly ChildShardInfo[]): Promise<void> {
    let childIds: string[] = [];
    if (childShards !== undefined && childShards.length > 0) {
      childIds = await this.#createChildLeases(childShards);
    } else if (this.#o.shardSyncer !== undefined) {
      await this.syncOnce();
      childIds = this.#o.shardSyncer.childShardIdsOf(shardId);
    }
    await this.#renewer.write(
      shardId,
      'shard_end',
      (counter) =>
        this.#o.leaseTable.updateCheckpoint(shardId, this.workerId, counter, {
          checkpoint: SHARD_END,
          childShardIds: childIds,
        }),
      (lease) => ({ ...withCheckpoint(lease, SHARD_END, null), childShardIds: childIds }),
      (fresh) => isShardEnd(fresh.checkpoint),
    );
    await this.releaseLease(shardId);
  }

  /**
   * Hands the lease back (owner removed, counter bumped) so another worker takes it on its next taking cycle,
   * instead of after `failoverTimeMs`. Call after the shard's processor has checkpointed. No-op when not held.
   */
  async releaseLease(shardId: string): Promise<void> {
    this.#doNotTake.add(shardId);
    if (!this.#renewer.isHeld(shardId)) {
      this.#renewer.drop(shardId);
      return;
    }
    try {
      await this.#renewer.write(
        shardId,
        'release',
        (counter) => this.#o.leaseTable.evictLease(shardId, this.workerId, counter),
        (lease) => ({ ...lease, leaseOwner: undefined }),
        (fresh) => fresh.leaseOwner === undefined,
      );
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
    } finally {
      this.#renewer.drop(shardId);
    }
  }

  /** One renewal round (the renew loop's step). */
  renewOnce(): Promise<RenewResult> {
    return this.#renewer.renewOnce();
  }

  /** One taking cycle (the take loop's step): scan, then take/steal; emits `lease_gained` per lease taken. */
  takeOnce(): Promise<TakeResult> {
    // One cycle at a time: a cycle must see every take of the previous one among the held leases.
    const next = this.#takeChain.then(
      () => this.#takeCycle(),
      () => this.#takeCycle(),
    );
    this.#takeChain = next.catch(() => undefined);
    return next;
  }

  async #takeCycle(): Promise<TakeResult> {
    const held = new Set(this.#renewer.keys());
    for (const key of this.#doNotTake) held.add(key);
    const result = await this.#taker.takeOnce(held);
    this.#lastTake = result;
    for (const { lease, sentAt } of result.taken) {
      this.#renewer.add(lease, sentAt);
      this.#events.emit('lease_gained', lease);
    }
    this.#events.emitLazy('taking_cycle', () => {
      const { leases: _leases, taken, ...rest } = result;
      return { ...rest, taken: taken.map((t) => t.lease.leaseKey) };
    });
    return result;
  }

  /** One shard sync (needs a `shardSyncer`). */
  async syncOnce(knownLeases?: readonly Lease[]): Promise<SyncResult> {
    const syncer = this.#o.shardSyncer;
    if (syncer === undefined) return { shardCount: 0, created: [], removed: [] };
    const result = await syncer.syncOnce(knownLeases);
    this.#events.emit('shard_sync', result);
    return result;
  }

  async #createChildLeases(childShards: readonly ChildShardInfo[]): Promise<string[]> {
    if (this.#o.shardSyncer !== undefined) return this.#o.shardSyncer.createChildLeases(childShards);
    return createChildLeases(this.#o.leaseTable, childShards);
  }

  async #renewStep(): Promise<number> {
    try {
      const result = await this.renewOnce();
      if (result.failed.length > 0) return Math.max(50, Math.floor(this.#o.failoverTimeMs / 20));
    } catch (error) {
      this.#events.emit('error', { error, context: 'renew' });
      return Math.max(50, Math.floor(this.#o.failoverTimeMs / 20));
    }
    return this.#o.renewalIntervalMs;
  }

  async #takeStep(): Promise<number> {
    try {
      await this.takeOnce();
    } catch (error) {
      this.#logger.warn({ err: error }, 'taking cycle failed');
      this.#events.emit('error', { error, context: 'take' });
    }
    return this.#nextTakeDelay();
  }

  async #syncStep(): Promise<number> {
    if (this.#isSyncLeader()) {
      try {
        await this.syncOnce(this.#lastTake?.leases);
      } catch (error) {
        this.#logger.warn({ err: error }, 'shard sync failed');
        this.#events.emit('error', { error, context: 'shard_sync' });
      }
    }
    return this.#jitter(this.#o.shardSyncIntervalMs);
  }

  /** The lowest live worker id syncs shards periodically, so a fleet does not hammer ListShards together. */
  #isSyncLeader(): boolean {
    return this.#lastTake === undefined || this.#lastTake.liveWorkers[0] === this.workerId;
  }

  /**
   * Each worker scans every `takingIntervalMs × live workers`, at a phase set by its rank among live workers, so
   * the fleet scans about once per `takingIntervalMs`; and also right when a watched lease could expire.
   */
  #nextTakeDelay(): number {
    const { takingIntervalMs, failoverTimeMs, renewalIntervalMs } = this.#o;
    const last = this.#lastTake;
    const workers = last?.liveWorkers.length ?? 1;
    const ceiling = Math.max(takingIntervalMs, failoverTimeMs - renewalIntervalMs - takingIntervalMs);
    const period = Math.min(ceiling, takingIntervalMs * workers);
    const rank = Math.max(0, last?.liveWorkers.indexOf(this.workerId) ?? 0);
    const now = this.#clock.now();
    const phase = (rank * period) / workers;
    let delay = period - ((((now - phase) % period) + period) % period);
    if (delay < period / 4) delay += period; // just scanned: skip to the next slot
    if (last?.nextExpiryAt !== undefined) delay = Math.min(delay, last.nextExpiryAt - now + 5);
    return Math.max(10, Math.round(delay));
  }

  #jitter(ms: number): number {
    return Math.round(ms * (0.9 + 0.2 * this.#o.random()));
  }

  #schedule(name: string, delayMs: number, step: () => Promise<number>): void {
    if (this.#state !== State.RUNNING) return;
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(name);
      if (this.#state !== State.RUNNING) return;
      const running = step();
      this.#inFlight.add(running);
      running
        .then((next) => this.#schedule(name, next, step))
        .finally(() => this.#inFlight.delete(running))
        .catch(() => undefined);
    }, delayMs);
    this.#timers.set(name, timer);
  }
}

function withCheckpoint(
  lease: Lease,
  checkpoint: ExtendedSequenceNumber,
  pendingCheckpoint: ExtendedSequenceNumber | null,
): Lease {
  const { pendingCheckpoint: _old, ...rest } = lease;
  return {
    ...rest,
    checkpoint,
    ownerSwitchesSinceCheckpoint: 0,
    ...(pendingCheckpoint === null ? {} : { pendingCheckpoint }),
  };
}
