import type { Clock, Logger, TypedEmitter } from '@kinesis-kit/commons';
import { backoffDelay, sleep } from '@kinesis-kit/commons';
import type PQueue from 'p-queue';
import { type CheckpointStore, ShardCheckpointer } from '../checkpoint/ShardCheckpointer.js';
import { LeaseLostError } from '../errors.js';
import { type ConsumerEvents, ProcessorErrorAction } from '../events.js';
import type { FetchResult, RecordsFetcher, RecordsFetcherFactory } from '../fetch/RecordsFetcher.js';
import type { ConsumerMetrics } from '../metrics/ConsumerMetrics.js';
import type { Position, RecordProcessor, RecordProcessorFactory } from '../processor/RecordProcessor.js';
import { isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import { assertTransition, ShardRunnerState, ShutdownReason } from './states.js';

/** What a runner needs from the lease layer. */
export interface RunnerLeases extends CheckpointStore {
  /** Whether this worker still holds the lease (checked before every batch). */
  isHeld(shardId: string): boolean;
  /** True when every parent is finished: its checkpoint is SHARD_END, or its lease is gone. */
  parentsFinished(parentShardIds: readonly string[]): Promise<boolean>;
  /** Graceful handoff after `shutdownRequested`. */
  releaseLease(shardId: string): Promise<void>;
}

/** The lease fields a runner starts from. */
export interface RunnerLease {
  shardId: string;
  checkpoint: Position;
  parentShardIds: readonly string[];
  hashKeyRange?: { startingHashKey: bigint; endingHashKey: bigint } | undefined;
}

export interface ShardRunnerOptions {
  lease: RunnerLease;
  leases: RunnerLeases;
  processorFactory: RecordProcessorFactory;
  fetcherFactory: RecordsFetcherFactory;
  /** Bounds how many processors run at once across shards. */
  limiter: PQueue;
  /** For `AT_TIMESTAMP` leases. */
  initialTimestamp?: Date | undefined;
  onProcessorError: ProcessorErrorAction;
  processorRetryBaseDelayMs: number;
  processorRetryMaxDelayMs: number;
  parentShardPollIntervalMs: number;
  events: TypedEmitter<ConsumerEvents>;
  metrics: ConsumerMetrics;
  logger: Logger;
  clock: Clock;
}

/**
 * Runs one shard lease: WAITING_ON_PARENTS → INITIALIZING → PROCESSING → (SHARD_ENDING) → SHUTTING_DOWN → DONE.
 * One batch at a time, in order; the processor is never called concurrently with itself. `requestShutdown()` and
 * `leaseLost()` interrupt fetching and retry waits, never a running processor call.
 */
export class ShardRunner {
  readonly #o: ShardRunnerOptions;
  readonly #shardId: string;
  readonly #logger: Logger;
  /** Aborted on stop or lease loss: cancels waits (parents, retry backoff), never user code. */
  readonly #abort = new AbortController();
  #state: ShardRunnerState = ShardRunnerState.WAITING_ON_PARENTS;
  #stopRequested = false;
  #leaseLost = false;
  #stopShard = false;
  #fetcher: RecordsFetcher | undefined;
  #processor: RecordProcessor | undefined;
  readonly #checkpointer: ShardCheckpointer;
  /** The last record of the last batch the processor finished: where a rollback returns to. */
  #lastProcessed: Position | undefined;
  #done: Promise<ShutdownReason> | undefined;

  constructor(options: ShardRunnerOptions) {
    this.#o = options;
    this.#shardId = options.lease.shardId;
    this.#logger = options.logger.child({ component: 'ShardRunner', shardId: this.#shardId });
    this.#checkpointer = new ShardCheckpointer({
      shardId: this.#shardId,
      store: options.leases,
      initial: options.lease.checkpoint,
      events: options.events,
      logger: this.#logger,
    });
  }

  get shardId(): string {
    return this.#shardId;
  }

  get state(): ShardRunnerState {
    return this.#state;
  }

  /** Starts the runner (once); resolves with the shutdown reason when it reaches DONE. Never rejects. */
  run(): Promise<ShutdownReason> {
    this.#done ??= this.#run().catch((error: unknown) => {
      this.#logger.error({ err: error }, 'shard runner failed');
      this.#o.events.emit('consumer.error', { shardId: this.#shardId, error, context: 'shard_runner' });
      if (this.#state !== ShardRunnerState.DONE) this.#state = ShardRunnerState.DONE;
      return ShutdownReason.ERROR;
    });
    return this.#done;
  }

  /** Graceful stop: finish the current batch, `shutdownRequested`, release the lease. */
  requestShutdown(): void {
    if (this.#stopRequested) return;
    this.#stopRequested = true;
    this.#interrupt();
  }

  /** The lease is gone: deliver nothing more, tell the processor `leaseLost`. */
  leaseLost(): void {
    if (this.#leaseLost) return;
    this.#leaseLost = true;
    this.#interrupt();
  }

  #interrupt(): void {
    this.#abort.abort(new Error('shard runner interrupted'));
    this.#fetcher?.close();
  }

  get #interrupted(): boolean {
    return this.#stopRequested || this.#leaseLost || this.#stopShard;
  }

  #transition(to: ShardRunnerState, reason?: ShutdownReason): void {
    const from = this.#state;
    assertTransition(from, to);
    this.#state = to;
    this.#o.metrics.shardState(this.#shardId, to);
    this.#logger.debug({ from, to, reason }, 'shard state');
    this.#o.events.emitLazy('consumer.shard_state', () =>
      reason === undefined ? { shardId: this.#shardId, from, to } : { shardId: this.#shardId, from, to, reason },
    );
  }

  async #run(): Promise<ShutdownReason> {
    const { lease } = this.#o;
    if (isShardEnd(lease.checkpoint)) {
      // Finished before we got it (e.g. the previous owner checkpointed SHARD_END and crashed).
      this.#transition(ShardRunnerState.SHUTTING_DOWN, ShutdownReason.SHARD_END);
      this.#transition(ShardRunnerState.DONE, ShutdownReason.SHARD_END);
      return ShutdownReason.SHARD_END;
    }
    if (!(await this.#waitOnParents())) return this.#shutDown();

    this.#transition(ShardRunnerState.INITIALIZING);
    this.#processor = this.#o.processorFactory();
    const processor = this.#processor;
    const initialized = await this.#withRetry('initialize', 0, () =>
      processor.initialize?.({ shardId: this.#shardId, startingPosition: lease.checkpoint }),
    );
    if (!initialized) return this.#shutDown();

    this.#transition(ShardRunnerState.PROCESSING);
    this.#fetcher = this.#o.fetcherFactory({
      shardId: this.#shardId,
      position: lease.checkpoint,
      timestamp: this.#o.initialTimestamp,
      hashKeyRange: lease.hashKeyRange,
    });
    if (this.#interrupted) this.#fetcher.close();
    while (!this.#interrupted) {
      let result: FetchResult;
      try {
        result = await this.#fetcher.next();
      } catch (error) {
        if (!this.#interrupted) this.#logger.error({ err: error }, 'fetcher failed');
        break;
      }
      // Fenced before delivery: a lost lease delivers nothing more, even when the event has not arrived yet.
      if (!this.#o.leases.isHeld(this.#shardId)) this.#leaseLost = true;
      if (this.#interrupted) break;
      if (result.records.length > 0) await this.#processBatch(result);
      else this.#o.metrics.batch(this.#shardId, 0, result.millisBehindLatest, undefined);
      if (result.shardEnded && !this.#interrupted) {
        this.#transition(ShardRunnerState.SHARD_ENDING);
        if (await this.#endShard(result)) {
          this.#transition(ShardRunnerState.DONE, ShutdownReason.SHARD_END);
          return ShutdownReason.SHARD_END;
        }
        break;
      }
    }
    this.#fetcher.close();
    return this.#shutDown();
  }

  /** Polls the parents' leases until every parent has finished. False when interrupted first. */
  async #waitOnParents(): Promise<boolean> {
    const parents = this.#o.lease.parentShardIds;
    if (parents.length === 0) return !this.#interrupted;
    for (;;) {
      if (this.#interrupted) return false;
      try {
        if (await this.#o.leases.parentsFinished(parents)) return !this.#interrupted;
      } catch (error) {
        this.#logger.warn({ err: error }, 'could not read parent leases; retrying');
      }
      try {
        await sleep(this.#o.parentShardPollIntervalMs, this.#abort.signal, this.#o.clock);
      } catch {
        return false;
      }
    }
  }

  async #processBatch(result: FetchResult): Promise<void> {
    const processor = this.#processor!;
    const { records, millisBehindLatest } = result;
    const last = records[records.length - 1]!;
    this.#checkpointer.delivered(last);
    const startedAt = this.#o.clock.now();
    const ok = await this.#withRetry('processRecords', records.length, () =>
      this.#o.limiter.add(() =>
        processor.processRecords({
          shardId: this.#shardId,
          records,
          checkpointer: this.#checkpointer,
          millisBehindLatest,
        }),
      ),
    );
    if (ok) {
      this.#lastProcessed = last;
      this.#o.metrics.batch(this.#shardId, records.length, millisBehindLatest, last.approximateArrivalTimestamp);
      this.#o.events.emitLazy('consumer.batch_processed', () => ({
        shardId: this.#shardId,
        recordCount: records.length,
        millisBehindLatest,
        durationMs: this.#o.clock.now() - startedAt,
        discardedByHashKeyRange: result.discardedByHashKeyRange,
        dataBytes: dataBytesOf(records),
      }));
    } else if (!this.#skipped) {
      // Not processed: checkpoint() must not cover it.
      this.#checkpointer.rollBack(this.#lastProcessed);
    }
  }

  /** Set by #withRetry when the policy skipped the batch (so it counts as done). */
  #skipped = false;

  /**
   * Runs a processor call with the error policy. True on success (or skip); false when interrupted or stopped by
   * the policy. `retry` backs off and tries again until it succeeds or the runner is interrupted.
   */
  async #withRetry(what: string, recordCount: number, call: () => unknown): Promise<boolean> {
    this.#skipped = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await call();
        return true;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          this.#leaseLost = true;
          return false;
        }
        const action = what === 'processRecords' ? this.#o.onProcessorError : ProcessorErrorAction.RETRY; // initialize/shardEnded always retry
        this.#logger.warn({ err: error, attempt, action, what }, 'processor threw');
        if (action === ProcessorErrorAction.SKIP) {
          this.#o.events.emit('consumer.processor_error', {
            shardId: this.#shardId,
            error,
            attempt,
            action,
            recordCount,
          });
          this.#skipped = true;
          return true;
        }
        if (action === ProcessorErrorAction.STOP_SHARD) {
          this.#o.events.emit('consumer.processor_error', {
            shardId: this.#shardId,
            error,
            attempt,
            action,
            recordCount,
          });
          this.#stopShard = true;
          this.#fetcher?.close();
          return false;
        }
        const retryInMs = backoffDelay(attempt, {
          baseDelayMs: this.#o.processorRetryBaseDelayMs,
          maxDelayMs: this.#o.processorRetryMaxDelayMs,
        });
        this.#o.events.emit('consumer.processor_error', {
          shardId: this.#shardId,
          error,
          attempt,
          action,
          recordCount,
          retryInMs,
        });
        if (this.#interrupted) return false;
        try {
          await sleep(retryInMs, this.#abort.signal, this.#o.clock);
        } catch {
          return false;
        }
        if (!this.#o.leases.isHeld(this.#shardId)) {
          this.#leaseLost = true;
          return false;
        }
      }
    }
  }

  /** SHARD_ENDING: the processor must checkpoint SHARD_END (the default processor does it itself). */
  async #endShard(result: FetchResult): Promise<boolean> {
    const processor = this.#processor!;
    this.#checkpointer.markShardEnd(result.childShards);
    const ok = await this.#withRetry('shardEnded', 0, async () => {
      if (processor.shardEnded === undefined) await this.#checkpointer.checkpoint();
      else await processor.shardEnded({ shardId: this.#shardId, checkpointer: this.#checkpointer });
      if (!this.#checkpointer.shardEndCheckpointed)
        throw new Error(
          `shardEnded for ${this.#shardId} returned without checkpointer.checkpoint(): the shard cannot finish`,
        );
    });
    if (ok) {
      this.#o.events.emit('consumer.shard_ended', {
        shardId: this.#shardId,
        childShardIds: (result.childShards ?? []).flatMap((child) =>
          child.ShardId === undefined ? [] : [child.ShardId],
        ),
      });
    }
    return ok;
  }

  /** SHUTTING_DOWN → DONE for the reason that interrupted the runner. */
  async #shutDown(): Promise<ShutdownReason> {
    const reason = this.#leaseLost
      ? ShutdownReason.LEASE_LOST
      : this.#stopShard
        ? ShutdownReason.ERROR
        : ShutdownReason.REQUESTED;
    this.#transition(ShardRunnerState.SHUTTING_DOWN, reason);
    const processor = this.#processor;
    if (reason === ShutdownReason.LEASE_LOST) {
      await this.#safely('leaseLost', () => processor?.leaseLost?.({ shardId: this.#shardId }));
    } else if (reason === ShutdownReason.REQUESTED) {
      if (processor !== undefined && this.#o.leases.isHeld(this.#shardId))
        await this.#safely('shutdownRequested', () =>
          processor.shutdownRequested?.({ shardId: this.#shardId, checkpointer: this.#checkpointer }),
        );
      if (this.#o.leases.isHeld(this.#shardId))
        await this.#safely('releaseLease', () => this.#o.leases.releaseLease(this.#shardId));
    }
    this.#transition(ShardRunnerState.DONE, reason);
    return reason;
  }

  async #safely(what: string, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#logger.warn({ err: error, what }, 'shutdown step failed');
      this.#o.events.emit('consumer.error', { shardId: this.#shardId, error, context: what });
    }
  }
}

/** Sum of the records' data sizes (only computed for listeners of consumer.batch_processed). */
function dataBytesOf(records: readonly { data: Uint8Array }[]): number {
  let bytes = 0;
  for (const record of records) bytes += record.data.length;
  return bytes;
}
