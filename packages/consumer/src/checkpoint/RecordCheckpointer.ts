/** Something that names a position: a delivered record, or the same fields. */
export interface CheckpointTarget {
  sequenceNumber: string;
  /** @default 0 */
  subSequenceNumber?: number;
}

/** A checkpoint prepared (written as `pendingCheckpoint`) but not committed yet. */
export interface PreparedCheckpointer {
  readonly pendingCheckpoint: { sequenceNumber: string; subSequenceNumber: number };
  /** Commits the prepared position as the checkpoint. */
  checkpoint(): Promise<void>;
}

/**
 * Records progress in the lease table. Writes are fenced by lease ownership and session (`LeaseLostError` once
 * this worker's session of the lease is over, even if it holds the lease again) and validated: the position must
 * be a sequence number no further than the last record delivered (`InvalidCheckpointError` otherwise). A position
 * at or behind the last committed checkpoint is an idempotent no-op: checkpoints never move backwards, and a
 * retried batch may checkpoint its records again.
 */
export interface RecordCheckpointer {
  /**
   * With no argument: the last delivered record (or `SHARD_END` inside `shardEnded`); a no-op when that is already
   * committed. With a record or a sequence number (and sub-sequence): that position. A write that failed (e.g.
   * throttled) leaves nothing behind: calling `checkpoint()` again writes it again.
   */
  checkpoint(target?: CheckpointTarget | string, subSequenceNumber?: number): Promise<void>;
  /**
   * Two-phase checkpoint: records the intent (`pendingCheckpoint` on the lease; the checkpoint itself is never
   * touched) and returns a handle whose `checkpoint()` commits it.
   */
  prepareCheckpoint(target?: CheckpointTarget | string, subSequenceNumber?: number): Promise<PreparedCheckpointer>;
  /** The last checkpoint committed (or the lease's checkpoint at start). */
  readonly lastCheckpoint: { sequenceNumber: string; subSequenceNumber: number };
  /** The last record delivered to the processor, the furthest `checkpoint()` may go. */
  readonly largestPermitted: { sequenceNumber: string; subSequenceNumber: number } | undefined;
}
