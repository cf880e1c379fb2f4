import type { Logger, TypedEmitter } from '@kinesis-kit/commons';
import { InvalidCheckpointError } from '../errors.js';
import type { ConsumerEvents } from '../events.js';
import type { ChildShardInfo } from '../fetch/RecordsFetcher.js';
import type { Position } from '../processor/RecordProcessor.js';
import {
  compareExtendedSequenceNumbers,
  isSequenceNumber,
  isShardEnd,
  SHARD_END,
} from '../sequence/ExtendedSequenceNumber.js';
import type { CheckpointTarget, PreparedCheckpointer, RecordCheckpointer } from './RecordCheckpointer.js';

/**
 * Where one lease session's checkpoints go: the lease layer, fenced by ownership *and* session (a write from a
 * session that is over fails with `LeaseLostError`, even when this worker holds the lease again).
 */
export interface CheckpointStore {
  checkpoint(position: Position): Promise<void>;
  /** Writes only `pendingCheckpoint` (two-phase checkpoint, phase 1). */
  prepareCheckpoint(position: Position): Promise<void>;
  /** Checkpoints `SHARD_END` and creates the children's leases. */
  shardEnded(childShards: ChildShardInfo[] | undefined): Promise<void>;
}

/**
 * The checkpointer handed to one lease session's processor.
 *
 * - A position is valid when it is a sequence number no further than the last record delivered
 *   (`largestPermitted`); anything else throws `InvalidCheckpointError` and writes nothing.
 * - Writes run one after another. Each compares itself, when its turn comes, with the last checkpoint that was
 *   **committed** (written and acknowledged): at or behind it, it is an idempotent no-op, so a checkpoint can never
 *   move backwards, a retried batch may checkpoint its records again, and a write that failed leaves the next
 *   `checkpoint()` free to write the same position again.
 * - After the shard ended, `checkpoint()` with no argument writes `SHARD_END`.
 */
export class ShardCheckpointer implements RecordCheckpointer {
  readonly #shardId: string;
  readonly #store: CheckpointStore;
  readonly #events: TypedEmitter<ConsumerEvents>;
  readonly #logger: Logger;
  /** The last checkpoint known to be in the table (the lease's at start). */
  #committed: Position;
  #largestPermitted: Position | undefined;
  /** Set once the shard was read to its end: `checkpoint()` then means SHARD_END. */
  #shardEnd: { childShards: ChildShardInfo[] | undefined } | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: {
    shardId: string;
    store: CheckpointStore;
    initial: Position;
    events: TypedEmitter<ConsumerEvents>;
    logger: Logger;
  }) {
    this.#shardId = options.shardId;
    this.#store = options.store;
    this.#events = options.events;
    this.#logger = options.logger;
    this.#committed = options.initial;
  }

  get lastCheckpoint(): Position {
    return this.#committed;
  }

  get largestPermitted(): Position | undefined {
    return this.#largestPermitted;
  }

  /** True once `SHARD_END` was written through this checkpointer. */
  get shardEndCheckpointed(): boolean {
    return isShardEnd(this.#committed);
  }

  /** The runner calls this before handing a batch over: its last record becomes the furthest checkpoint allowed. */
  delivered(last: Position): void {
    this.#largestPermitted = { sequenceNumber: last.sequenceNumber, subSequenceNumber: last.subSequenceNumber };
  }

  /**
   * The runner calls this when a batch did not complete (given up during retries, or the processor returned after
   * being told to stop): a `checkpoint()` with no argument must not cover records that were not processed.
   */
  rollBack(largestPermitted: Position | undefined): void {
    this.#largestPermitted =
      largestPermitted === undefined
        ? undefined
        : { sequenceNumber: largestPermitted.sequenceNumber, subSequenceNumber: largestPermitted.subSequenceNumber };
  }

  /** The runner calls this before `shardEnded`: `checkpoint()` now writes SHARD_END. */
  markShardEnd(childShards: ChildShardInfo[] | undefined): void {
    this.#shardEnd = { childShards };
  }

  checkpoint(target?: CheckpointTarget | string, subSequenceNumber?: number): Promise<void> {
    if (target === undefined && this.#shardEnd !== undefined) return this.#enqueue(() => this.#writeShardEnd());
    let position: Position | undefined;
    try {
      position = this.#resolve(target, subSequenceNumber);
    } catch (error) {
      return Promise.reject(error);
    }
    if (position === undefined) return Promise.resolve();
    return this.#commit(position);
  }

  async prepareCheckpoint(
    target?: CheckpointTarget | string,
    subSequenceNumber?: number,
  ): Promise<PreparedCheckpointer> {
    const position = this.#resolve(target, subSequenceNumber) ?? this.#committed;
    if (isSequenceNumber(position.sequenceNumber)) await this.#enqueue(() => this.#store.prepareCheckpoint(position));
    return { pendingCheckpoint: position, checkpoint: () => this.#commit(position) };
  }

  /** Queues the write of `position`, which is a no-op if, by its turn, the committed checkpoint is not behind it. */
  #commit(position: Position): Promise<void> {
    return this.#enqueue(async () => {
      if (!this.#isAhead(position)) {
        this.#logger.debug({ position, committed: this.#committed }, 'checkpoint at or behind the committed one');
        return;
      }
      await this.#store.checkpoint(position);
      this.#committed = position;
      this.#logger.debug({ position }, 'checkpointed');
      this.#events.emitLazy('consumer.checkpoint', () => ({ shardId: this.#shardId, ...position }));
    });
  }

  #isAhead(position: Position): boolean {
    return compareExtendedSequenceNumbers(position, this.#committed) > 0;
  }

  /** Validates and normalizes a checkpoint request; undefined = nothing to write (nothing delivered, or covered). */
  #resolve(target: CheckpointTarget | string | undefined, subSequenceNumber: number | undefined): Position | undefined {
    let position: Position;
    if (target === undefined) {
      if (this.#largestPermitted === undefined || !this.#isAhead(this.#largestPermitted)) return undefined;
      return this.#largestPermitted;
    }
    if (typeof target === 'string') {
      position = { sequenceNumber: target, subSequenceNumber: subSequenceNumber ?? 0 };
    } else {
      position = { sequenceNumber: target.sequenceNumber, subSequenceNumber: target.subSequenceNumber ?? 0 };
    }
    if (
      !isSequenceNumber(position.sequenceNumber) ||
      !Number.isSafeInteger(position.subSequenceNumber) ||
      position.subSequenceNumber < 0
    )
      throw new InvalidCheckpointError(this.#shardId, position, 'is not a sequence number');
    if (this.#largestPermitted === undefined || compareExtendedSequenceNumbers(position, this.#largestPermitted) > 0)
      throw new InvalidCheckpointError(
        this.#shardId,
        position,
        'is beyond the last delivered record',
        this.#largestPermitted,
      );
    return position;
  }

  async #writeShardEnd(): Promise<void> {
    if (isShardEnd(this.#committed)) return;
    await this.#store.shardEnded(this.#shardEnd?.childShards);
    this.#committed = SHARD_END;
    this.#logger.debug('checkpointed SHARD_END');
    this.#events.emitLazy('consumer.checkpoint', () => ({ shardId: this.#shardId, ...SHARD_END }));
  }

  /** Runs writes one after another; a failed write does not block later ones. */
  #enqueue<T>(write: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(write, write);
    this.#chain = run.catch((error: unknown) => {
      this.#events.emit('consumer.checkpoint_failed', { shardId: this.#shardId, error });
    });
    return run;
  }
}
