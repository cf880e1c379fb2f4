import type { Clock, Logger, TimerHandle, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../events.js';
import type { ConsumerMetrics } from '../metrics/ConsumerMetrics.js';
import type { RunnerLease, RunnerLeases, ShardRunner } from '../runner/ShardRunner.js';
import { ShutdownReason } from '../runner/states.js';

/** The lease layer as the scheduler sees it. */
export interface SchedulerLeases extends RunnerLeases {
  /** The leases this worker holds right now. */
  heldLeases(): Iterable<RunnerLease>;
  /** Called the moment a lease is lost (failed renewal, stolen); returns an unsubscribe function. */
  onLeaseLost(listener: (shardId: string) => void): () => void;
  /** Called when a lease is gained; returns an unsubscribe function. */
  onLeaseGained(listener: (shardId: string) => void): () => void;
}

export interface SchedulerOptions {
  leases: SchedulerLeases;
  createRunner: (lease: RunnerLease) => ShardRunner;
  tickMs: number;
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
  /** Shards this worker finished (SHARD_END) or stopped by policy: not restarted while the lease is held. */
  readonly #finished = new Set<string>();
  #timer: TimerHandle | undefined;
  #unsubscribe: (() => void)[] = [];
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
      this.#o.leases.onLeaseLost((shardId) => {
        const entry = this.#runners.get(shardId);
        this.#o.events.emit('consumer.lease_lost', { shardId });
        entry?.runner.leaseLost();
      }),
      this.#o.leases.onLeaseGained(() => this.tick()),
    );
    this.tick();
    this.#schedule();
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
    for (const lease of this.#o.leases.heldLeases()) held.set(lease.shardId, lease);
    for (const [shardId, lease] of held) {
      if (this.#runners.has(shardId) || this.#finished.has(shardId)) continue;
      this.#startRunner(lease);
      started.push(shardId);
    }
    for (const [shardId, { runner }] of this.#runners) {
      if (held.has(shardId) || this.#o.leases.isHeld(shardId)) continue;
      runner.leaseLost();
      lost.push(shardId);
    }
    for (const shardId of this.#finished) if (!held.has(shardId)) this.#finished.delete(shardId);
    return { started, lost };
  }

  #startRunner(lease: RunnerLease): void {
    const { shardId } = lease;
    this.#o.events.emit('consumer.lease_gained', { shardId });
    const runner = this.#o.createRunner(lease);
    const done = runner.run().then((reason) => {
      this.#runners.delete(shardId);
      if (reason === ShutdownReason.SHARD_END || reason === ShutdownReason.ERROR) this.#finished.add(shardId);
      else this.#o.metrics.remove(shardId);
      this.#logger.debug({ shardId, reason }, 'runner done');
      // A shard end lets children start at once rather than at the next timer tick.
      if (!this.#stopping && reason === ShutdownReason.SHARD_END) this.tick();
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
