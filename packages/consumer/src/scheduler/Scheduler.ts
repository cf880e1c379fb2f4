import type { Clock, Logger, TimerHandle, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../events.js';
import type { LeaseLostReason } from '../lease/LeaseRenewer.js';
import type { ConsumerMetrics } from '../metrics/ConsumerMetrics.js';
import type { RunnerLease, RunnerLeases } from '../runner/RunnerLeases.js';
import type { ShardRunner } from '../runner/ShardRunner.js';
import { ShutdownReason } from '../runner/states.js';

/** The lease layer as the scheduler sees it. */
export interface SchedulerLeases extends RunnerLeases {
  /** The leases this worker holds right now, with their sessions. */
  heldLeases(): Iterable<RunnerLease>;
  /** Whether the lease is held (in `session`, when given). */
  isHeld(shardId: string, session?: number): boolean;
  /** Called the moment a lease is lost (failed renewal, stolen); returns an unsubscribe function. */
  onLeaseLost(listener: (shardId: string, reason: LeaseLostReason) => void): () => void;
  /** Called when a lease is gained; returns an unsubscribe function. */
  onLeaseGained(listener: (shardId: string) => void): () => void;
  /** Called when another worker asked for a lease this worker holds (a balancing move). */
  onHandoffRequested(listener: (shardId: string) => void): () => void;
  /** Gives a lease up now (no runner to stop first). */
  handOver(shardId: string): Promise<void>;
  /** Refuses a balancing move (the shard is stopped here on purpose). */
  declineHandoff(shardId: string): Promise<void>;
}

export interface SchedulerOptions {
  leases: SchedulerLeases;
  createRunner: (lease: RunnerLease) => ShardRunner;
  tickMs: number;
  /** A processing shard without progress for this long while behind (or never read) is reported stuck. */
  stuckShardThresholdMs: number;
  events: TypedEmitter<ConsumerEvents>;
  metrics: ConsumerMetrics;
  logger: Logger;
  clock: Clock;
}

/**
 * Keeps one ShardRunner per held lease. `tick()` is the single step: start runners for held leases, tell runners
 * whose lease is gone. Lease events trigger a tick at once; the timer catches anything missed. The only loop owner.
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #logger: Logger;
  readonly #runners = new Map<string, { runner: ShardRunner; done: Promise<ShutdownReason> }>();
  /**
   * Lease sessions this worker finished (SHARD_END) or stopped by policy (`stop_shard`), by shard: not restarted
   * while that session lasts.
   */
  readonly #finished = new Map<string, number>();
  /** Shards reported stuck and not yet reported moving again. */
  readonly #stuck = new Set<string>();
  #timer: TimerHandle | undefined;
  #unsubscribe: (() => void)[] = [];
  /** Leases seen held, by key: what their events name (the shard id, and the stream when there are several). */
  readonly #known = new Map<string, RunnerLease>();
  #stopping = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'Scheduler' });
  }

  /** Shards with a runner now. */
  get runningShards(): string[] {
    return [...this.#runners.keys()];
  }

  start(): void {
    this.#unsubscribe.push(
      this.#o.leases.onLeaseLost((leaseKey, reason) => {
        const entry = this.#runners.get(leaseKey);
        this.#o.events.emit('consumer.lease_lost', { ...this.#tag(leaseKey), reason });
        entry?.runner.leaseLost();
      }),
      this.#o.leases.onLeaseGained(() => this.tick()),
      // A balancing move: the shard stops as in a graceful stop (batch, shutdownRequested, checkpoint), and its
      // runner's release transfers the lease to the worker that asked.
      this.#o.leases.onHandoffRequested((shardId) => {
        this.#answerMove(shardId).catch((error: unknown) =>
          this.#logger.warn({ err: error, shardId }, 'answering a balancing move failed'),
        );
      }),
    );
    this.tick();
    this.#schedule();
  }

  /** An event's shard (and stream) for a lease key. */
  #tag(leaseKey: string): { shardId: string; streamName?: string; streamId?: string } {
    const lease = this.#known.get(leaseKey);
    if (lease === undefined) return { shardId: leaseKey };
    return lease.streamName === undefined
      ? { shardId: lease.shardId }
      : {
          shardId: lease.shardId,
          streamName: lease.streamName,
          ...(lease.streamId === undefined ? {} : { streamId: lease.streamId }),
        };
  }

  /**
   * A balancing move asked for a held lease: its runner stops as in a graceful stop, and its release hands the lease
   * over. A shard the error policy stopped here keeps its lease (it must not bounce between workers): declined.
   */
  async #answerMove(shardId: string): Promise<void> {
    const entry = this.#runners.get(shardId);
    if (entry !== undefined) {
      entry.runner.requestShutdown();
      const reason = await entry.done;
      if (reason !== ShutdownReason.ERROR || !this.#finished.has(shardId)) return;
    } else if (!this.#finished.has(shardId)) {
      await this.#o.leases.handOver(shardId);
      return;
    }
    await this.#o.leases.declineHandoff(shardId);
  }

  #schedule(): void {
    if (this.#stopping) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.tick();
      this.#schedule();
    }, this.#o.tickMs);
  }

  /** One reconciliation. Returns the shards started and the shards told their lease is gone. */
  tick(): { started: string[]; lost: string[] } {
    const started: string[] = [];
    const lost: string[] = [];
    if (this.#stopping) return { started, lost };
    const held = new Map<string, RunnerLease>();
    for (const lease of this.#o.leases.heldLeases()) {
      held.set(lease.leaseKey, lease);
      this.#known.set(lease.leaseKey, lease);
    }
    for (const [shardId, lease] of held) {
      // A runner of an earlier session still finishing (inside the processor) is told below; the new one waits.
      if (this.#runners.has(shardId) || this.#finished.get(shardId) === lease.session) continue;
      this.#startRunner(lease);
      started.push(shardId);
    }
    for (const [shardId, { runner }] of this.#runners) {
      if (held.get(shardId)?.session === runner.session || this.#o.leases.isHeld(shardId, runner.session)) continue;
      runner.leaseLost();
      lost.push(shardId);
    }
    for (const [shardId, session] of this.#finished) {
      if (held.get(shardId)?.session === session) continue;
      this.#finished.delete(shardId);
      if (!this.#runners.has(shardId)) this.#o.metrics.remove(shardId);
    }
    this.#watchStalls(); // before forgetting leases: a runner gone stuck is reported un-stuck under its own name
    for (const key of this.#known.keys()) if (!held.has(key) && !this.#runners.has(key)) this.#known.delete(key);
    return { started, lost };
  }

  /**
   * Reports a shard whose runner made no progress for `stuckShardThresholdMs` while behind (a processor failing
   * over and over, reads failing): `consumer.shard_stuck` with `stuck: true` and a warning, once per episode; and
   * `stuck: false` when it moves again (or its runner ends).
   */
  #watchStalls(): void {
    for (const [leaseKey, { runner }] of this.#runners) {
      const stall = runner.stall();
      const stuck = stall !== undefined && stall.stalledForMs >= this.#o.stuckShardThresholdMs;
      if (stuck === this.#stuck.has(leaseKey)) continue;
      const tag = this.#tag(leaseKey);
      if (stuck) {
        this.#stuck.add(leaseKey);
        this.#logger.warn(
          { ...tag, stuckForMs: Math.round(stall.stalledForMs), millisBehindLatest: stall.millisBehindLatest },
          'shard stuck: no progress while behind',
        );
      } else {
        this.#stuck.delete(leaseKey);
        this.#logger.info(tag, 'shard no longer stuck');
      }
      this.#o.events.emit('consumer.shard_stuck', {
        ...tag,
        stuck,
        stuckForMs: stall === undefined ? 0 : Math.round(stall.stalledForMs),
        millisBehindLatest: stall?.millisBehindLatest,
      });
    }
    for (const leaseKey of this.#stuck) {
      if (this.#runners.has(leaseKey)) continue;
      this.#stuck.delete(leaseKey);
      this.#o.events.emit('consumer.shard_stuck', {
        ...this.#tag(leaseKey),
        stuck: false,
        stuckForMs: 0,
        millisBehindLatest: undefined,
      });
    }
  }

  #startRunner(lease: RunnerLease): void {
    const shardId = lease.leaseKey;
    this.#o.events.emit('consumer.lease_gained', this.#tag(shardId));
    const runner = this.#o.createRunner(lease);
    const done = runner.run().then((reason) => {
      this.#runners.delete(shardId);
      if (reason === ShutdownReason.SHARD_END || reason === ShutdownReason.ERROR)
        this.#finished.set(shardId, lease.session);
      else this.#o.metrics.remove(shardId);
      this.#logger.debug({ shardId, reason }, 'runner done');
      if (!this.#stopping) {
        // A shard end lets children start at once: those waiting here look at their parents again now.
        if (reason === ShutdownReason.SHARD_END)
          for (const other of this.#runners.values()) other.runner.parentsMayHaveFinished();
        this.tick();
      }
      return reason;
    });
    this.#runners.set(shardId, { runner, done });
  }

  /**
   * Graceful: every runner finishes its batch, gets `shutdownRequested`, releases (or hands over) its lease. With
   * `readyToStop`, each runner keeps processing until its promise resolves (its successor is listening). With
   * `timeoutMs`, gives up waiting after that long and returns the shards whose runners are still busy (their
   * leases must not be released: they expire after `failoverTimeMs` instead, so no other worker starts while the
   * processor still runs).
   */
  async stop(
    timeoutMs = Number.POSITIVE_INFINITY,
    readyToStop: (shardId: string) => Promise<void> = () => Promise.resolve(),
  ): Promise<string[]> {
    this.#stopping = true;
    this.#timer?.cancel();
    const entries = [...this.#runners.entries()];
    for (const [shardId, { runner }] of entries) {
      readyToStop(shardId).then(
        () => runner.requestShutdown(),
        () => runner.requestShutdown(),
      );
    }
    // Lease losses still reach the runners while they wait for their successors.
    const all = Promise.all(entries.map(([, { done }]) => done)).finally(() => {
      for (const unsubscribe of this.#unsubscribe) unsubscribe();
      this.#unsubscribe = [];
    });
    if (!Number.isFinite(timeoutMs)) {
      await all;
      return [];
    }
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.#o.clock.setTimeout(resolve, timeoutMs);
    });
    await Promise.race([all, timedOut]);
    timer?.cancel();
    const busy = [...this.#runners.keys()];
    if (busy.length > 0)
      this.#logger.warn({ shards: busy, timeoutMs }, 'stop timed out; leaving these leases to expire');
    return busy;
  }
}
