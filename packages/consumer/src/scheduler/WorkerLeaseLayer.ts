import type { ChildShardInfo } from '../fetch/RecordsFetcher.js';
import { type Lease, leaseShardId } from '../lease/Lease.js';
import type { LeaseCoordinator } from '../lease/LeaseCoordinator.js';
import type { LeaseLostReason } from '../lease/LeaseRenewer.js';
import type { Position } from '../processor/RecordProcessor.js';
import type { RunnerLease } from '../runner/RunnerLeases.js';
import { isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import type { SchedulerLeases } from './Scheduler.js';

/** Adapts the lease layer's `LeaseCoordinator` to what the scheduler and the runners need. */
export class WorkerLeaseLayer implements SchedulerLeases {
  readonly #coordinator: LeaseCoordinator;
  /** Multi-stream: the name of a lease's stream (undefined: one stream, no tags). */
  readonly #streamNameOf: ((lease: Lease) => string | undefined) | undefined;

  constructor(coordinator: LeaseCoordinator, streamNameOf?: (lease: Lease) => string | undefined) {
    this.#coordinator = coordinator;
    this.#streamNameOf = streamNameOf;
  }

  *heldLeases(): Iterable<RunnerLease> {
    for (const { lease, session } of this.#coordinator.getHeldLeaseSessions().values()) {
      const streamName = this.#streamNameOf?.(lease);
      // Several streams: a lease of a stream not read here (now) gets no runner — it could not read the shard. The
      // coordinator gives such a lease back; if the stream is read again first, the next tick starts its runner.
      if (this.#streamNameOf !== undefined && streamName === undefined) continue;
      yield {
        ...toRunnerLease(lease, session),
        parentShardIds: this.#coordinator.parentLeaseKeys(lease),
        ...(streamName === undefined ? {} : { streamName, streamId: lease.stream }),
      };
    }
  }

  isHeld(shardId: string, session?: number): boolean {
    return this.#coordinator.isHeld(shardId, session);
  }

  holdsSession(shardId: string, session: number): boolean {
    return this.#coordinator.holdsSession(shardId, session);
  }

  async parentsFinished(parentShardIds: readonly string[]): Promise<boolean> {
    const parents = await Promise.all(parentShardIds.map((id) => this.#coordinator.getLease(id)));
    // A parent without a lease is gone past retention (or never had one): nothing of it is left to read.
    return parents.every((parent) => parent === undefined || isShardEnd(parent.checkpoint));
  }

  checkpoint(shardId: string, session: number, position: Position): Promise<void> {
    return this.#coordinator.checkpoint(shardId, position, { session });
  }

  prepareCheckpoint(shardId: string, session: number, position: Position): Promise<void> {
    return this.#coordinator.prepareCheckpoint(shardId, position, { session });
  }

  shardEnded(shardId: string, session: number, childShards: ChildShardInfo[] | undefined): Promise<void> {
    return this.#coordinator.shardEnded(shardId, childShards, { session });
  }

  releaseLease(shardId: string, session: number): Promise<void> {
    return this.#coordinator.releaseLease(shardId, { session });
  }

  recordProcessed(shardId: string, session: number, bytes: number): void {
    this.#coordinator.recordProcessed(shardId, bytes, session);
  }

  /** Gives a lease up now (a balancing move asked for it, and no runner holds its shard). */
  handOver(shardId: string): Promise<void> {
    return this.#coordinator.releaseLease(shardId);
  }

  declineHandoff(shardId: string): Promise<void> {
    return this.#coordinator.declineHandoff(shardId);
  }

  onHandoffRequested(listener: (shardId: string) => void): () => void {
    const offMove = this.#coordinator.on('lease_handoff_requested', ({ leaseKey }) => listener(leaseKey));
    // A stream no longer read: its shards stop the same way, and the release gives the lease up.
    const offRelease = this.#coordinator.on('lease_release_requested', ({ leaseKey }) => listener(leaseKey));
    return () => {
      offMove();
      offRelease();
    };
  }

  /**
   * Releases every lease still held (gained while stopping, left by a runner that could not release, or held by a
   * processor still running when stop()'s time ran out).
   */
  async releaseRemaining(): Promise<void> {
    const ids = [...this.#coordinator.getHeldLeases().keys()];
    await Promise.allSettled(ids.map((id) => this.#coordinator.releaseLease(id)));
  }

  onLeaseLost(listener: (shardId: string, reason: LeaseLostReason) => void): () => void {
    return this.#coordinator.on('lease_lost', (lease) => listener(lease.leaseKey, lease.reason));
  }

  onLeaseGained(listener: (shardId: string) => void): () => void {
    return this.#coordinator.on('lease_gained', (lease) => listener(lease.leaseKey));
  }
}

function toRunnerLease(lease: Lease, session: number): RunnerLease {
  return {
    shardId: leaseShardId(lease),
    leaseKey: lease.leaseKey,
    session,
    checkpoint: lease.checkpoint,
    parentShardIds: lease.parentShardIds,
    hashKeyRange: parseHashKeyRange(lease),
    startTimestamp: lease.startTimestamp === undefined ? undefined : new Date(lease.startTimestamp),
  };
}

/** The lease's hash key range as numbers; a malformed one (hand-edited item) is ignored, not a crash in a timer. */
function parseHashKeyRange(lease: Lease): RunnerLease['hashKeyRange'] {
  const range = lease.hashKeyRange;
  if (range === undefined) return undefined;
  try {
    return { startingHashKey: BigInt(range.startingHashKey), endingHashKey: BigInt(range.endingHashKey) };
  } catch {
    return undefined;
  }
}
