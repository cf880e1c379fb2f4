import type { Logger, TypedEmitter } from '@kinesis-kit/commons';
import { InvalidCheckpointError } from '../errors.js';
import type { ConsumerEvents } from '../events.js';
import type { ChildShardInfo } from '../fetch/RecordsFetcher.js';
import type { Position } from '../processor/RecordProcessor.js';
import {
  compareExtendedSequenceNumbers as comparePosition,
  isSequenceNumber,
  SHARD_END,
} from '../sequence/ExtendedSequenceNumber.js';
import type { CheckpointTarget, PreparedCheckpointer, RecordCheckpointer } from './RecordCheckpointer.js';

/** Where checkpoints go: the lease layer, fenced by ownership. */
export interface CheckpointStore {
  checkpoint(shardId: string, position: Position): Promise<void>;
  /** Writes `pendingCheckpoint` (two-phase checkpoint). Optional: without it `prepareCheckpoint` only validates. */
  prepareCheckpoint?(shardId: string, position: Position): Promise<void>;
  /** Checkpoints `SHARD_END` and creates the children's leases. */
  shardEnded(shardId: string, childShards: ChildShardInfo[] | undefined): Promise<void>;
}

/**
 * The checkpointer handed to one shard's processor. Validates every position against what was delivered
 * (`largestPermitted`) and the last checkpoint, serializes writes so they land in order, and turns
 * `checkpoint()` inside `shardEnded` into the `SHARD_END` write.
 */
export class ShardCheckpointer implements RecordCheckpointer {
  readonly #shardId: string;
  readonly #store: CheckpointStore;
  readonly #events: TypedEmitter<ConsumerEvents>;
  readonly #logger: Logger;
  #lastCheckpoint: Position;
  /** The furthest position asked for so far: later calls are validated against it, so writes never go back. */
  #lastRequested: Position;
  #largestPermitted: Position | undefined;
  /** Set once the shard was read to its end: `checkpoint()` then means SHARD_END. */
  #shardEnd: { childShards: ChildShardInfo[] | undefined } | undefined;
  #shardEndCheckpointed = false;
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
    this.#lastCheckpoint = options.initial;
    this.#lastRequested = options.initial;
  }

  get lastCheckpoint(): Position {
    return this.#lastCheckpoint;
  }

  get largestPermitted(): Position | undefined {
    return this.#largestPermitted;
  }

  /** True once `SHARD_END` was written through this checkpointer. */
  get shardEndCheckpointed(): boolean {
    return this.#shardEndCheckpointed;
  }

  /** The runner calls this before handing a batch over: its last record becomes the furthest checkpoint allowed. */
  delivered(last: Position): void {
    this.#largestPermitted = { sequenceNumber: last.sequenceNumber, subSequenceNumber: last.subSequenceNumber };
  }

  /**
   * The runner calls this when it gives up on a failed batch (stop during retries, or `skip` is not the policy):
   * `checkpoint()` must not cover records that were never processed successfully.
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

  async checkpoint(target?: CheckpointTarget | string, subSequenceNumber?: number): Promise<void> {
    if (target === undefined && this.#shardEnd !== undefined) return this.#enqueue(() => this.#writeShardEnd());
    const position = this.#resolve(target, subSequenceNumber);
    if (position === undefined) return Promise.resolve();
    this.#lastRequested = position;
    return this.#enqueue(async () => {
      await this.#store.checkpoint(this.#shardId, position);
      this.#committed(position);
    });
  }

  async prepareCheckpoint(
    target?: CheckpointTarget | string,
    subSequenceNumber?: number,
  ): Promise<PreparedCheckpointer> {
    const position = this.#resolve(target, subSequenceNumber) ?? this.#lastCheckpoint;
    const prepare = this.#store.prepareCheckpoint;
    if (prepare !== undefined) await this.#enqueue(() => prepare.call(this.#store, this.#shardId, position));
    return {
      pendingCheckpoint: position,
      checkpoint: () => {
        // Validated again at commit: another checkpoint may have gone past it meanwhile.
        if (comparePosition(position, this.#lastRequested) < 0 && isSequenceNumber(this.#lastRequested.sequenceNumber))
          return Promise.reject(
            new InvalidCheckpointError(this.#shardId, position, 'is before the last checkpoint', this.#lastRequested),
          );
        this.#lastRequested = position;
        return this.#enqueue(async () => {
          await this.#store.checkpoint(this.#shardId, position);
          this.#committed(position);
        });
      },
    };
  }

  /** Validates and normalizes a checkpoint request; undefined = nothing to write (nothing delivered yet). */
  #resolve(target: CheckpointTarget | string | undefined, subSequenceNumber: number | undefined): Position | undefined {
    let position: Position;
    if (target === undefined) {
      // Nothing delivered since the last checkpoint (or a failed batch was rolled back): nothing to write.
      if (this.#largestPermitted === undefined) return undefined;
      if (
        isSequenceNumber(this.#lastRequested.sequenceNumber) &&
        comparePosition(this.#largestPermitted, this.#lastRequested) <= 0
      )
        return undefined;
      position = this.#largestPermitted;
    } else if (typeof target === 'string') {
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
    if (this.#largestPermitted === undefined || comparePosition(position, this.#largestPermitted) > 0)
      throw new InvalidCheckpointError(
        this.#shardId,
        position,
        'is beyond the last delivered record',
        this.#largestPermitted,
      );
    if (isSequenceNumber(this.#lastRequested.sequenceNumber) && comparePosition(position, this.#lastRequested) < 0)
      throw new InvalidCheckpointError(this.#shardId, position, 'is before the last checkpoint', this.#lastRequested);
    return position;
  }

  async #writeShardEnd(): Promise<void> {
    await this.#store.shardEnded(this.#shardId, this.#shardEnd?.childShards);
    this.#shardEndCheckpointed = true;
    this.#committed(SHARD_END);
  }

  #committed(position: Position): void {
    this.#lastCheckpoint = position;
    this.#logger.debug({ position }, 'checkpointed');
    this.#events.emitLazy('consumer.checkpoint', () => ({ shardId: this.#shardId, ...position }));
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
