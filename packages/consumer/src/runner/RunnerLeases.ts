import type { ChildShardInfo } from '../fetch/RecordsFetcher.js';
import type { Position } from '../processor/RecordProcessor.js';

/** What a runner needs from the lease layer: every call names the lease session the runner belongs to. */
export interface RunnerLeases {
  /** Whether this worker still holds the lease in `session` (checked before every batch). */
  isHeld(shardId: string, session: number): boolean;
  /**
   * Whether `session` has not ended (lost, released), even if the lease is past its local expiry with a renewal on
   * the way: the final checkpoint and release of a stopping runner queue behind that renewal and are fenced then.
   */
  holdsSession(shardId: string, session: number): boolean;
  /** True when every parent is finished: its checkpoint is SHARD_END, or its lease is gone. */
  parentsFinished(parentShardIds: readonly string[]): Promise<boolean>;
  /** Fenced checkpoint: `LeaseLostError` once the session is over, even if the lease is held again. */
  checkpoint(shardId: string, session: number, position: Position): Promise<void>;
  /** Writes only the pending checkpoint (two-phase checkpoint), fenced like `checkpoint`. */
  prepareCheckpoint(shardId: string, session: number, position: Position): Promise<void>;
  /** Checkpoints SHARD_END and creates the children's leases, fenced like `checkpoint`. */
  shardEnded(shardId: string, session: number, childShards: ChildShardInfo[] | undefined): Promise<void>;
  /** Hands the lease over (graceful stop) or releases it; a no-op once the session is over. */
  releaseLease(shardId: string, session: number): Promise<void>;
}

/** The lease fields a runner starts from. */
export interface RunnerLease {
  shardId: string;
  /** This worker's holding of the lease (a lease lost and taken again is a new session, with a new runner). */
  session: number;
  checkpoint: Position;
  parentShardIds: readonly string[];
  hashKeyRange?: { startingHashKey: bigint; endingHashKey: bigint } | undefined;
  /** The lease's own start time (AT_TIMESTAMP), or a LATEST lease's anchor. */
  startTimestamp?: Date | undefined;
}
