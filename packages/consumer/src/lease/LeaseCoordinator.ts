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
import { giveUpLease, LeaseHandoffOutcome } from './giveUpLease.js';
import type { Lease } from './Lease.js';
import { LeaseHandoff } from './LeaseHandoff.js';
import { type LeaseLostReason, LeaseRenewer, type RenewResult } from './LeaseRenewer.js';
import { LeaseTaker, type TakeResult } from './LeaseTaker.js';
import {
  type LeaseCoordinatorOptions,
  type ResolvedLeaseCoordinatorOptions,
  resolveLeaseCoordinatorOptions,
} from './leaseCoordinatorOptions.js';
import { nextScanDelayMs, type ScanPeriods, scanPeriods } from './takingSchedule.js';

/** The lease layer's events; payloads are snapshots. */
export interface LeaseCoordinatorEvents {
  /** This worker now holds the lease (taken, stolen or re-taken). */
  lease_gained: Lease;
  /** The lease is no longer held: stop processing the shard before delivering another record. */
  lease_lost: Lease & { readonly reason: LeaseLostReason };
  /** After every taking cycle (instrumentation, tests). */
  taking_cycle: Omit<TakeResult, 'leases' | 'taken'> & { readonly taken: readonly string[] };
  /** A lease this worker gave up gracefully (`releaseLease`): handed to `to`, or released. */
  lease_handoff: { readonly leaseKey: string; readonly outcome: LeaseHandoffOutcome; readonly to?: string };
  /** After every shard sync. */
  shard_sync: SyncResult;
  /** A background step failed; it is retried on the next cycle. */
  error: { readonly error: unknown; readonly context: 'renew' | 'take' | 'shard_sync' };
}

/** Share of the KCL-equivalent request budget left after renewals that scans may use (the rest is margin). */
const SCAN_BUDGET_SHARE = 0.9;

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
  readonly #handoff: LeaseHandoff;
  readonly #handoffCounts = { transferred: 0, released: 0 };
  /** Set by `prepareHandoff()`: no more taking or syncing; renewals go on until the leases are gone. */
  #leaving = false;
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
    this.#handoff = new LeaseHandoff({
      leaseTable: this.#o.leaseTable,
      workerId: this.workerId,
      failoverTimeMs: this.#o.failoverTimeMs,
      pollIntervalMs: this.#o.handoffPollIntervalMs,
      maxLeasesForWorker: this.#o.maxLeasesForWorker,
      clock: this.#clock,
      logger: this.#o.logger,
      random: this.#o.random,
      heldCount: () => this.#renewer.size,
      onReceived: (lease, sentAt) => {
        if (this.#state !== State.RUNNING || this.#leaving) return;
        this.#renewer.add(lease, sentAt);
        this.#logger.info({ shardId: lease.leaseKey }, 'lease handed over to this worker');
        this.#events.emit('lease_gained', lease);
      },
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
    this.#leaving = false;
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
    await this.#handoff.stop();
    await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * The first step of a graceful stop: stops taking and syncing (renewals go on), withdraws this worker as
   * anybody's successor, scans once, and asks a live successor to take each held lease (docs/leases.md,
   * "Graceful handoff"). Then stop each shard once `handoffReady(shardId)` resolves and call `releaseLease`:
   * it transfers the lease to the acknowledged successor, or releases it when none acknowledged within the bound
   * (one successor scan period, at most `maxWaitMs`). Never throws: any failure means a plain release.
   */
  async prepareHandoff(options: { maxWaitMs?: number } = {}): Promise<void> {
    if (this.#state !== State.RUNNING || this.#leaving) return;
    this.#leaving = true;
    for (const name of ['take', 'sync']) {
      this.#timers.get(name)?.cancel();
      this.#timers.delete(name);
    }
    await this.#takeChain;
    await this.#handoff.leave();
    const held = [...this.#renewer.keys()].filter((key) => this.#renewer.isHeld(key));
    if (!this.#o.gracefulHandoff || held.length === 0) return;
    try {
      const scan = await this.#taker.takeOnce(new Set(held), true);
      const plans = this.#handoff.plan(held, scan.liveWorkers, scan.leases);
      if (plans.length === 0) return;
      // A successor sees the request at its next scan: within 1.25 of its period (the stagger slot), plus reads.
      const { workerPeriodMs } = this.#scanPeriods(scan);
      const bound = 1.25 * workerPeriodMs + 2 * this.#o.handoffPollIntervalMs + 500;
      await this.#handoff.request(plans, Math.min(bound, options.maxWaitMs ?? Number.POSITIVE_INFINITY));
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not prepare handoffs; releasing instead');
    }
  }

  /** Resolves when the lease may be stopped and released (see `prepareHandoff`); at once when no handoff waits. */
  handoffReady(shardId: string): Promise<void> {
    return this.#handoff.ready(shardId);
  }

  /** Leases given up gracefully so far: transferred to a named successor vs released. */
  get handoffCounts(): Readonly<{ transferred: number; released: number }> {
    return { ...this.#handoffCounts };
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
   * Gives the lease up after the shard's processor has checkpointed: to the successor that acknowledged this
   * worker's handoff request (waiting for it first, bounded: see `prepareHandoff`), else by releasing it (owner
   * removed, counter bumped) so any worker takes it at its next scan instead of after `failoverTimeMs`.
   * No-op when not held.
   */
  async releaseLease(shardId: string): Promise<void> {
    this.#doNotTake.add(shardId);
    await this.#handoff.ready(shardId);
    const successor = this.#handoff.acknowledged(shardId);
    this.#handoff.done(shardId);
    if (!this.#renewer.isHeld(shardId)) {
      this.#renewer.drop(shardId);
      return;
    }
    try {
      const outcome = await giveUpLease(this.#o.leaseTable, this.#renewer, this.workerId, shardId, successor);
      this.#handoffCounts[outcome]++;
      this.#events.emit(
        'lease_handoff',
        outcome === LeaseHandoffOutcome.TRANSFERRED && successor !== undefined
          ? { leaseKey: shardId, outcome, to: successor.to }
          : { leaseKey: shardId, outcome },
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
    await this.#handoff.onScan(result.leases, result.liveWorkers);
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

  #scanPeriods(last: TakeResult | undefined): ScanPeriods {
    const o = this.#o;
    return scanPeriods({
      activeLeases: last?.activeLeaseCount ?? 0,
      liveWorkers: last?.liveWorkers.length ?? 1,
      failoverTimeMs: o.failoverTimeMs,
      renewalIntervalMs: o.renewalIntervalMs,
      takingIntervalMs: o.takingIntervalMs,
      maxTakingIntervalMs: o.maxTakingIntervalMs,
      scanBudgetShare: SCAN_BUDGET_SHARE,
      maxLeasesForWorker: o.maxLeasesForWorker,
    });
  }

  #nextTakeDelay(): number {
    const last = this.#lastTake;
    return nextScanDelayMs({
      workerPeriodMs: this.#scanPeriods(last).workerPeriodMs,
      liveWorkers: last?.liveWorkers ?? [this.workerId],
      workerId: this.workerId,
      now: this.#clock.now(),
      nextExpiryAt: last?.nextExpiryAt,
    });
  }

  #jitter(ms: number): number {
    return Math.round(ms * (0.9 + 0.2 * this.#o.random()));
  }

  #schedule(name: string, delayMs: number, step: () => Promise<number>): void {
    if (this.#state !== State.RUNNING || (this.#leaving && name !== 'renew')) return;
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
