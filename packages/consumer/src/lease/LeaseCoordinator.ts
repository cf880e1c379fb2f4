import { type Clock, type Logger, sleep, TypedEmitter } from '@kinesis-kit/commons';
import { LeaseLostError } from '../errors.js';
import { type ExtendedSequenceNumber, isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import { type ChildLeases, createChildLeases } from '../shardSync/createChildLeases.js';
import type { ChildShardInfo, SyncResult } from '../shardSync/ShardSyncer.js';
import { type CheckpointWriter, writeCheckpoint, writePendingCheckpoint, writeShardEnd } from './checkpointWrites.js';
import type { Lease } from './Lease.js';
import type { LeaseCoordinatorEvents } from './LeaseCoordinatorEvents.js';
import { LeaseHandoff } from './LeaseHandoff.js';
import { LeaseLoops } from './LeaseLoops.js';
import { LeaseMoves } from './LeaseMoves.js';
import { LeaseRelease } from './LeaseRelease.js';
import { LeaseRenewer, type RenewResult } from './LeaseRenewer.js';
import { LeaseTaker, type TakeResult } from './LeaseTaker.js';
import {
  type LeaseCoordinatorOptions,
  type ResolvedLeaseCoordinatorOptions,
  resolveLeaseCoordinatorOptions,
} from './leaseCoordinatorOptions.js';
import { WorkerPresence } from './WorkerPresence.js';

const State = { IDLE: 'idle', RUNNING: 'running', STOPPED: 'stopped' } as const;
type State = (typeof State)[keyof typeof State];

/**
 * (Over 400 lines: the lease layer's facade — every public operation of a worker's lease layer is here, each a
 * short delegation to the part that does it: renewer, taker, handoff, moves, release, presence, loops.)
 *
 * Runs the lease protocol for one worker: renewal (`renewOnce`), taking and balancing (`takeOnce`) and shard
 * discovery (`syncOnce`), each a single step that `LeaseLoops` merely repeats; plus the fenced writes a worker
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
  readonly #release: LeaseRelease;
  readonly #loops: LeaseLoops;
  readonly #presence: WorkerPresence;
  readonly #moves: LeaseMoves;
  /** What the fenced checkpoint writes need. */
  readonly #writer: CheckpointWriter;
  /** Set by `prepareHandoff()`: no more taking or syncing; renewals go on until the leases are gone. */
  #leaving = false;
  /** Leases released by this worker: never taken back by it (they are meant for others). */
  readonly #doNotTake = new Set<string>();
  /** Leases given up because their stream stopped being read: never barred from a later take (it may come back). */
  readonly #streamRemoved = new Set<string>();
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
      onRenewed: (lease) => this.#moves.onRenewed(lease),
    });
    this.#taker = new LeaseTaker({
      leaseTable: this.#o.leaseTable,
      workerId: this.workerId,
      failoverTimeMs: this.#o.failoverTimeMs,
      maxLeasesForWorker: this.#o.maxLeasesForWorker,
      maxLeasesToStealAtOneTime: this.#o.maxLeasesToStealAtOneTime,
      balanceThreshold: this.#o.balanceThreshold,
      balanceDamping: this.#o.balanceDamping,
      loadMoveAfterMs: this.#o.renewalIntervalMs,
      clock: this.#clock,
      logger: this.#o.logger,
      random: this.#o.random,
      requestMove: (lease) => this.#moves.request(lease),
      tracked: (lease) => this.#o.shardSyncer?.tracks(lease) ?? true,
    });
    this.#presence = new WorkerPresence({
      leaseTable: this.#o.leaseTable,
      workerId: this.workerId,
      metricsIntervalMs: this.#o.workerMetricsIntervalMs,
      idleIntervalMs: this.#o.renewalIntervalMs,
      sampler: this.#o.workerLoadSampler,
      logger: this.#logger,
      held: this.#renewer,
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
        const already = this.#renewer.holdsSession(lease.leaseKey); // taken by a scan meanwhile: same session
        if (this.#renewer.add(lease, sentAt) === undefined) return;
        // A stopping worker chose this worker by its own list of streams.
        if (this.#givenBackIfUnread(lease, 'handed over')) return;
        if (already) return;
        this.#logger.info({ shardId: lease.leaseKey }, 'lease handed over to this worker');
        this.#events.emit('lease_gained', lease);
      },
    });
    this.#moves = new LeaseMoves({
      leaseTable: this.#o.leaseTable,
      workerId: this.workerId,
      failoverTimeMs: this.#o.failoverTimeMs,
      renewalIntervalMs: this.#o.renewalIntervalMs,
      handoff: this.#handoff,
      clock: this.#clock,
      random: this.#o.random,
      logger: this.#logger,
      active: () => this.#state === State.RUNNING && !this.#leaving,
      requested: (leaseKey, to) => {
        if (!this.#events.hasListeners('lease_handoff_requested')) return false;
        this.#events.emit('lease_handoff_requested', { leaseKey, to });
        return true;
      },
      release: (leaseKey) => this.releaseLease(leaseKey),
    });
    this.#writer = { table: this.#o.leaseTable, workerId: this.workerId, renewer: this.#renewer };
    this.#loops = new LeaseLoops({
      options: this.#o,
      logger: this.#logger,
      running: () => this.#state === State.RUNNING,
      leaving: () => this.#leaving,
      lastTake: () => this.#lastTake,
      renew: () => this.renewOnce(),
      take: () => this.takeOnce(),
      sync: (knownLeases) => this.syncOnce(knownLeases),
      report: () => this.#presence.report(),
      refreshStreams: () => this.refreshStreams(),
      reportDelayMs: () => this.#presence.nextDelayMs(),
      onError: (event) => this.#events.emit('error', event),
    });
    this.#release = new LeaseRelease({
      options: this.#o,
      logger: this.#logger,
      renewer: this.#renewer,
      taker: this.#taker,
      handoff: this.#handoff,
      workerPeriodMs: (scan) => this.#loops.scanPeriods(scan).workerPeriodMs,
      onHandoff: (event) => this.#events.emit('lease_handoff', event),
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
    this.#streamRemoved.clear();
    try {
      await this.#o.leaseTable.initialize();
      await this.#checkStream();
      // Announced, then one takingIntervalMs before the first scan: workers started together (a deploy) see each
      // other there, and none takes every free lease only to hand most of them over again.
      await this.#presence.report();
      await sleep(this.#o.takingIntervalMs, undefined, this.#clock);
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
    this.#loops.start();
  }

  /** Refuses a table whose leases belong to other streams (or to an earlier stream of the same name). */
  async #checkStream(): Promise<void> {
    const source = this.#o.shardSyncer;
    if (source === undefined) return;
    await source.checkTable(await this.#o.leaseTable.listLeases(), this.#o.leaseTable.tableName);
  }

  /** Stops the loops and waits for running steps. Held leases are not released (see `releaseLease`). */
  async stop(): Promise<void> {
    if (this.#state !== State.RUNNING) return;
    this.#state = State.STOPPED;
    this.#loops.cancel();
    await this.#handoff.stop();
    await this.#loops.settled();
    await this.#presence.remove();
  }

  /**
   * The first step of a graceful stop: stops taking and syncing (renewals go on), withdraws this worker as
   * anybody's successor, scans once, and asks a live successor to take each held lease (docs/leases.md,
   * "Graceful handoff"). Then stop each shard once `handoffReady(shardId)` resolves and call `releaseLease`:
   * it transfers the lease to the acknowledged successor, or releases it when none acknowledged within the bound
   * (one successor scan period, at most `maxWaitMs`). Never throws: after a failure the leases are simply released.
   */
  async prepareHandoff(options: { maxWaitMs?: number } = {}): Promise<void> {
    if (this.#state !== State.RUNNING || this.#leaving) return;
    this.#leaving = true;
    this.#loops.cancel(['take', 'sync', 'presence', 'streams']);
    await this.#takeChain;
    // Marked leaving first: nobody plans a balancing move to (or from) this worker any more.
    await this.#presence.report(true);
    await this.#release.prepare(options.maxWaitMs);
  }

  /** Resolves when the lease may be stopped and released (see `prepareHandoff`); at once when no handoff waits. */
  handoffReady(shardId: string): Promise<void> {
    return this.#handoff.ready(shardId);
  }

  /** Leases given up gracefully so far: transferred to a named successor vs released. */
  get handoffCounts(): Readonly<{ transferred: number; released: number }> {
    return this.#release.counts;
  }

  /** Balancing moves this worker took part in as the owner: leases transferred, or kept when the asker withdrew. */
  get moveCounts(): Readonly<{ transferred: number; kept: number }> {
    return this.#release.moveCounts;
  }

  /**
   * Counts bytes a processor consumed from a held lease (in `session`, when given): renewals then record the
   * lease's smoothed throughput (`throughputKBps`), which load-aware balancing reads. The consumer calls it per batch.
   */
  recordProcessed(leaseKey: string, bytes: number, session?: number): void {
    this.#renewer.recordProcessed(leaseKey, bytes, session);
  }

  /** Leases held now (expired ones are reported lost first). */
  getHeldLeases(): ReadonlyMap<string, Lease> {
    const out = new Map<string, Lease>();
    for (const [key, { lease }] of this.#renewer.snapshot()) out.set(key, lease);
    return out;
  }

  /**
   * Leases held now with their sessions: a lease lost and taken again is a new session, and every fenced write
   * below may name the session it belongs to (expired leases are reported lost first).
   */
  getHeldLeaseSessions(): ReadonlyMap<string, { readonly lease: Lease; readonly session: number }> {
    return this.#renewer.snapshot();
  }

  /**
   * True while the lease is held (in `session`, when given) and not past `failoverTimeMs` since its last
   * successful renewal.
   */
  isHeld(shardId: string, session?: number): boolean {
    return this.#renewer.isHeld(shardId, session);
  }

  /**
   * True while this worker's session of the lease (any, without `session`) has not ended, even past its local
   * expiry while a renewal is on the way (see `LeaseRenewer.holdsSession`): fenced writes may still be queued.
   */
  holdsSession(shardId: string, session?: number): boolean {
    return this.#renewer.holdsSession(shardId, session);
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
    for (const parent of this.parentLeaseKeys(lease)) {
      const parentLease = await this.#o.leaseTable.getLease(parent);
      if (parentLease !== undefined && !isShardEnd(parentLease.checkpoint)) return false;
    }
    return true;
  }

  /**
   * Writes a checkpoint (and removes any pending one), fenced by ownership: the write succeeds only if this worker
   * still owns the lease with the counter it last wrote — and, with `session`, still in that session. Throws
   * `LeaseLostError` otherwise (and reports `lease_lost`), or a `LeaseTableError` (retriable ones may be retried).
   */
  checkpoint(shardId: string, position: ExtendedSequenceNumber, options: FencedWriteOptions = {}): Promise<void> {
    return writeCheckpoint(this.#writer, shardId, position, options.session);
  }

  /**
   * Two-phase checkpoint, phase 1 (KCL `prepareCheckpoint`): records `pendingCheckpoint` on the lease, fenced like
   * `checkpoint`. Only the pending attribute is written, never the checkpoint: a prepare after a checkpoint whose
   * answer was lost (it landed, the client saw a timeout) cannot rewind it.
   */
  prepareCheckpoint(
    shardId: string,
    pendingCheckpoint: ExtendedSequenceNumber,
    options: FencedWriteOptions = {},
  ): Promise<void> {
    return writePendingCheckpoint(this.#writer, shardId, pendingCheckpoint, options.session);
  }

  /** The keys of a lease's parents' leases (the parents' shard ids, or `stream:shardId` in a multi-stream table). */
  parentLeaseKeys(lease: Lease): string[] {
    const source = this.#o.shardSyncer;
    return lease.parentShardIds.map((parent) => source?.leaseKeyOf(lease, parent) ?? parent);
  }

  /**
   * The shard was read to its end: creates the children's leases (from `childShards`, else by a shard sync),
   * then checkpoints `SHARD_END` (fenced) and stops holding the lease. No `lease_lost` is emitted for it.
   */
  async shardEnded(
    shardId: string,
    childShards?: readonly ChildShardInfo[],
    options: FencedWriteOptions = {},
  ): Promise<void> {
    // Fenced before anything is created: a lost session must not start the children of a shard it no longer owns
    // (past its local expiry with a renewal on the way, the session goes on: the SHARD_END write is fenced below).
    const ended = this.#renewer.heldLease(shardId);
    if (ended === undefined || !this.#renewer.holdsSession(shardId, options.session))
      throw new LeaseLostError(shardId, this.workerId);
    let childIds: string[] = [];
    let needSync = childShards === undefined || childShards.length === 0;
    if (!needSync) {
      const children = await this.#createChildLeases(ended, childShards ?? []);
      childIds = children.childShardIds;
      needSync = children.deferred.length > 0;
    }
    if (needSync && this.#o.shardSyncer !== undefined) {
      await this.syncOnce();
      if (childIds.length === 0) childIds = this.#o.shardSyncer.childShardIdsOf(ended);
    }
    await writeShardEnd(this.#writer, shardId, childIds, options.session);
    // The shard is finished once SHARD_END is written: a release that fails now (throttling, a timeout) leaves a
    // lease nobody takes (SHARD_END) and that nobody renews; it must not turn the shard's end into a lease loss.
    try {
      await this.releaseLease(shardId, options);
    } catch (error) {
      this.#logger.warn({ err: error, shardId }, 'release after SHARD_END failed; the finished lease stays as it is');
      this.#renewer.drop(shardId);
    }
  }

  /**
   * Gives the lease up after the shard's processor has checkpointed: to the successor that acknowledged this
   * worker's handoff request (waiting for it first, bounded: see `prepareHandoff`), else by releasing it (owner
   * removed, counter bumped) so any worker takes it at its next scan instead of after `failoverTimeMs`.
   * No-op when not held (with `session`: not held in that session).
   */
  async releaseLease(shardId: string, options: FencedWriteOptions = {}): Promise<void> {
    if (options.session !== undefined && !this.#renewer.holdsSession(shardId, options.session)) return;
    // A balancing move hands the lease to the worker that asked (or keeps it); anything else is released for good.
    const move = this.#handoff.isPull(shardId) && !this.#leaving;
    // A lease of a stream no longer read is not taken by anyone; it may be again once the stream comes back.
    const lease = this.#renewer.heldLease(shardId);
    // Given up because its stream is not read: untracked now, or when the release was asked for (the stream may be
    // back by the time the shard has stopped: barred, nobody would ever take the lease again).
    const asked = this.#streamRemoved.delete(shardId);
    const untracked = asked || (lease !== undefined && this.#o.shardSyncer?.tracks(lease) === false);
    if (!move && !untracked) this.#doNotTake.add(shardId);
    await this.#release.release(shardId, this.#leaving);
  }

  /** Refuses a balancing move another worker asked for (the shard is stopped here on purpose: it stays). */
  declineHandoff(leaseKey: string): Promise<void> {
    return this.#handoff.declinePull(leaseKey);
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
      // Taken again while held (a lease handed over to us during the scan, or a take whose answer was lost): the
      // same session goes on, nothing is gained.
      const already = this.#renewer.holdsSession(lease.leaseKey);
      if (this.#renewer.add(lease, sentAt) === undefined) continue; // an answer older than a session that ended here
      // Planned while its stream was read; the stream was dropped (refreshStreams) before the take's answer came.
      if (this.#givenBackIfUnread(lease, 'taken')) continue;
      if (!already) this.#events.emit('lease_gained', lease);
    }
    this.#events.emitLazy('taking_cycle', () => {
      const { leases: _leases, taken, ...rest } = result;
      return { ...rest, taken: taken.map((t) => t.lease.leaseKey) };
    });
    return result;
  }

  /**
   * Re-reads the streams (multi-stream: the tracker), creating leases for new ones; then gives up the leases this
   * worker holds of streams no longer read: listeners of `lease_release_requested` (the consumer) stop their shards
   * first, otherwise they are released at once.
   */
  async refreshStreams(): Promise<void> {
    const source = this.#o.shardSyncer;
    if (source?.refresh === undefined || this.#state !== State.RUNNING) return;
    await source.refresh();
    for (const { lease } of this.#renewer.snapshot().values()) {
      if (source.tracks(lease) || this.#handoff.isHandingOver(lease.leaseKey)) continue;
      this.#logger.info({ leaseKey: lease.leaseKey, stream: lease.stream }, 'stream no longer read; releasing');
      this.#streamRemoved.add(lease.leaseKey);
      if (this.#events.hasListeners('lease_release_requested'))
        this.#events.emit('lease_release_requested', { leaseKey: lease.leaseKey, reason: 'stream_removed' });
      else this.#releaseInBackground(lease.leaseKey);
    }
  }

  /**
   * A lease of a stream this worker does not read (now) is given back at once, to be taken by a worker that reads
   * the stream (this one, once it reads it again): held, it would have no runner able to read it.
   */
  #givenBackIfUnread(lease: Lease, how: 'taken' | 'handed over'): boolean {
    if (this.#o.shardSyncer?.tracks(lease) !== false) return false;
    this.#logger.info({ shardId: lease.leaseKey }, `lease of a stream not read here ${how}; releasing`);
    this.#releaseInBackground(lease.leaseKey);
    return true;
  }

  /** Releases a lease from a callback that cannot wait for it; a failure is logged (the lease then expires). */
  #releaseInBackground(leaseKey: string): void {
    this.releaseLease(leaseKey).catch((error: unknown) =>
      this.#logger.warn({ err: error, leaseKey }, 'releasing a lease failed'),
    );
  }

  /** One shard sync (needs a `shardSyncer`). */
  async syncOnce(knownLeases?: readonly Lease[]): Promise<SyncResult> {
    const syncer = this.#o.shardSyncer;
    if (syncer === undefined) return { shardCount: 0, created: [], removed: [] };
    const result = await syncer.syncOnce(knownLeases);
    this.#events.emit('shard_sync', result);
    return result;
  }

  async #createChildLeases(ended: Lease, childShards: readonly ChildShardInfo[]): Promise<ChildLeases> {
    if (this.#o.shardSyncer !== undefined) return this.#o.shardSyncer.createChildLeases(ended, childShards);
    return createChildLeases(this.#o.leaseTable, childShards);
  }
}

/** Options of the fenced writes a shard's runner makes. */
export interface FencedWriteOptions {
  /** The session (see `getHeldLeaseSessions`) the write belongs to: it fails with `LeaseLostError` in any other. */
  readonly session?: number | undefined;
}
