import type { ChildShardInfo } from '../fetch/RecordsFetcher.js';
import type { Lease } from '../lease/Lease.js';
import type { LeaseCoordinator } from '../lease/LeaseCoordinator.js';
import type { Position } from '../processor/RecordProcessor.js';
import type { RunnerLease } from '../runner/ShardRunner.js';
import { isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import type { SchedulerLeases } from './Scheduler.js';

/** Adapts the lease layer's `LeaseCoordinator` to what the scheduler and the runners need. */
export class WorkerLeaseLayer implements SchedulerLeases {
  readonly #coordinator: LeaseCoordinator;

  constructor(coordinator: LeaseCoordinator) {
    this.#coordinator = coordinator;
  }

  *heldLeases(): Iterable<RunnerLease> {
    for (const lease of this.#coordinator.getHeldLeases().values()) yield toRunnerLease(lease);
  }

  isHeld(shardId: string): boolean {
    return this.#coordinator.isHeld(shardId);
  }

  async parentsFinished(parentShardIds: readonly string[]): Promise<boolean> {
    const parents = await Promise.all(parentShardIds.map((id) => this.#coordinator.getLease(id)));
    // A parent without a lease is gone past retention (or never had one): nothing of it is left to read.
    return parents.every((parent) => parent === undefined || isShardEnd(parent.checkpoint));
  }

  checkpoint(shardId: string, position: Position): Promise<void> {
    return this.#coordinator.checkpoint(shardId, position);
  }

  prepareCheckpoint(shardId: string, position: Position): Promise<void> {
    const current = this.#coordinator.getHeldLeases().get(shardId)?.checkpoint;
    if (current === undefined) return this.#coordinator.checkpoint(shardId, position, { pendingCheckpoint: position });
    return this.#coordinator.checkpoint(shardId, current, { pendingCheckpoint: position });
  }

  shardEnded(shardId: string, childShards: ChildShardInfo[] | undefined): Promise<void> {
    return this.#coordinator.shardEnded(shardId, childShards);
  }

  releaseLease(shardId: string): Promise<void> {
    return this.#coordinator.releaseLease(shardId);
  }

  /**
   * Releases every lease still held (gained while stopping, or left by a runner that could not release), except
   * `keep`: shards whose processor is still running after a stop timeout.
   */
  async releaseRemaining(keep: readonly string[] = []): Promise<void> {
    const ids = [...this.#coordinator.getHeldLeases().keys()].filter((id) => !keep.includes(id));
    await Promise.allSettled(ids.map((id) => this.releaseLease(id)));
  }

  onLeaseLost(listener: (shardId: string) => void): () => void {
    return this.#coordinator.on('lease_lost', (lease) => listener(lease.leaseKey));
  }

  onLeaseGained(listener: (shardId: string) => void): () => void {
    return this.#coordinator.on('lease_gained', (lease) => listener(lease.leaseKey));
  }
}

function toRunnerLease(lease: Lease): RunnerLease {
  const range = lease.hashKeyRange;
  return {
    shardId: lease.leaseKey,
    checkpoint: lease.checkpoint,
    parentShardIds: lease.parentShardIds,
    hashKeyRange:
      range === undefined
        ? undefined
        : { startingHashKey: BigInt(range.startingHashKey), endingHashKey: BigInt(range.endingHashKey) },
  };
}
