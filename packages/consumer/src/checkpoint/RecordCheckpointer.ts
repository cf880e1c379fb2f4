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
 * Records progress in the lease table. Writes are fenced by lease ownership (`LeaseLostError` when another worker
 * owns the lease) and validated: the position must be within what was delivered and not behind the last
 * checkpoint (`InvalidCheckpointError`).
 */
export interface RecordCheckpointer {
  /**
   * With no argument: the last delivered record (or `SHARD_END` inside `shardEnded`). With a record or a sequence
   * number (and sub-sequence): that position.
   */
  checkpoint(target?: CheckpointTarget | string, subSequenceNumber?: number): Promise<void>;
  /** Two-phase checkpoint: records the intent first; `commit` with the returned handle. */
  prepareCheckpoint(target?: CheckpointTarget | string, subSequenceNumber?: number): Promise<PreparedCheckpointer>;
  /** The last checkpoint written (or the lease's checkpoint at start). */
  readonly lastCheckpoint: { sequenceNumber: string; subSequenceNumber: number };
  /** The last record delivered to the processor, the furthest `checkpoint()` may go. */
  readonly largestPermitted: { sequenceNumber: string; subSequenceNumber: number } | undefined;
}
