import type { Clock, Logger, TypedEmitter } from '@kinesis-kit/commons';
import type PQueue from 'p-queue';
import { ShardCheckpointer } from '../checkpoint/ShardCheckpointer.js';
import { type ConsumerEvents, ProcessorErrorAction } from '../events.js';
import type { ChildShardInfo, FetchResult, RecordsFetcher, RecordsFetcherFactory } from '../fetch/RecordsFetcher.js';
import type { ConsumerMetrics } from '../metrics/ConsumerMetrics.js';
import type { Position, RecordProcessor, RecordProcessorFactory } from '../processor/RecordProcessor.js';
import { compareExtendedSequenceNumbers, isShardEnd } from '../sequence/ExtendedSequenceNumber.js';
import { ParentWait } from './ParentWait.js';
import { CallOutcome, callProcessor, NOT_CALLED, type ProcessorCallContext } from './processorCall.js';
import type { RunnerLease, RunnerLeases } from './RunnerLeases.js';
import { ShardProgress, type ShardStall } from './ShardProgress.js';
import { assertTransition, ShardRunnerState, ShutdownReason } from './states.js';

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
  /** The longest wait between two looks at the parents' leases (the first ones come sooner). */
  parentShardPollIntervalMs: number;
  events: TypedEmitter<ConsumerEvents>;
  metrics: ConsumerMetrics;
  logger: Logger;
  clock: Clock;
}

type LiveState = Exclude<ShardRunnerState, 'DONE'>;

/**
 * (Over 400 lines: one state machine, one class — each state's step is a method, so the transitions read in one place.)
 *
 * Runs one lease session of one shard: WAITING_ON_PARENTS → INITIALIZING → PROCESSING → (SHARD_ENDING) →
 * SHUTTING_DOWN → DONE. Each state is one step that returns the next state; why the runner stops is one field,
 * `#reason`, set by whatever interrupts it (stop, lease loss, the error policy, a failure). One batch at a time, in
 * order; the processor is never called concurrently with itself, and never after the runner knows its lease is gone.
 * Interruptions cancel fetching and waits and abort the `signal` the processor gets; they never cut a call short.
 */
export class ShardRunner {
  readonly #o: ShardRunnerOptions;
  /** The shard, as Kinesis and the processor know it. */
  readonly #shardId: string;
  /** The lease (the shard id, or `stream:shardId` in a multi-stream table): every lease-layer call names it. */
  readonly #leaseKey: string;
  /** Multi-stream: the stream's name, in every processor input. */
  readonly #stream: { streamName?: string };
  readonly #session: number;
  readonly #logger: Logger;
  /** Aborted on stop or lease loss: cancels waits and tells the processor (`signal`) to wrap up. */
  readonly #abort = new AbortController();
  readonly #checkpointer: ShardCheckpointer;
  readonly #call: ProcessorCallContext;
  readonly #steps: Record<LiveState, () => Promise<ShardRunnerState>>;
  #state: ShardRunnerState = ShardRunnerState.WAITING_ON_PARENTS;
  /** Why the runner stops; undefined while it runs. */
  #reason: ShutdownReason | undefined;
  /** The failure behind an ERROR that the policy did not ask for: the lease is released so the shard goes on. */
  #failure: unknown;
  #fetcher: RecordsFetcher | undefined;
  #processor: RecordProcessor | undefined;
  /** The children the shard's last read reported (for the `consumer.shard_ended` event). */
  #endedWith: ChildShardInfo[] | undefined;
  /** The last record of the last batch the processor finished: where a rollback returns to. */
  #lastProcessed: Position | undefined;
  readonly #progress: ShardProgress;
  readonly #parentWait: ParentWait;
  #done: Promise<ShutdownReason> | undefined;

  constructor(options: ShardRunnerOptions) {
    this.#o = options;
    this.#shardId = options.lease.shardId;
    this.#leaseKey = options.lease.leaseKey;
    this.#stream = options.lease.streamName === undefined ? {} : { streamName: options.lease.streamName };
    this.#session = options.lease.session;
    this.#logger = options.logger.child({ component: 'ShardRunner', shardId: this.#shardId });
    const { leases } = options;
    const shardId = this.#shardId;
    const leaseKey = this.#leaseKey;
    const session = this.#session;
    this.#checkpointer = new ShardCheckpointer({
      shardId,
      store: {
        checkpoint: (position) => leases.checkpoint(leaseKey, session, position),
        prepareCheckpoint: (position) => leases.prepareCheckpoint(leaseKey, session, position),
        shardEnded: (childShards) => leases.shardEnded(leaseKey, session, childShards),
      },
      initial: options.lease.checkpoint,
      events: options.events,
      logger: this.#logger,
    });
    this.#call = {
      shardId,
      events: options.events,
      logger: this.#logger,
      clock: options.clock,
      retryBaseDelayMs: options.processorRetryBaseDelayMs,
      retryMaxDelayMs: options.processorRetryMaxDelayMs,
      signal: this.#abort.signal,
      canContinue: () => this.#canContinue(),
      leaseLost: () => this.leaseLost(),
    };
    this.#progress = new ShardProgress(options.clock);
    this.#parentWait = new ParentWait(options.parentShardPollIntervalMs, options.clock, this.#abort.signal);
    this.#steps = {
      WAITING_ON_PARENTS: () => this.#waitingOnParents(),
      INITIALIZING: () => this.#initializing(),
      PROCESSING: () => this.#processing(),
      SHARD_ENDING: () => this.#shardEnding(),
      SHUTTING_DOWN: () => this.#shuttingDown(),
    };
  }

  get shardId(): string {
    return this.#shardId;
  }

  get leaseKey(): string {
    return this.#leaseKey;
  }

  get session(): number {
    return this.#session;
  }

  get state(): ShardRunnerState {
    return this.#state;
  }

  /** Starts the runner (once); resolves with the shutdown reason when it reaches DONE. Never rejects. */
  run(): Promise<ShutdownReason> {
    this.#done ??= this.#run();
    return this.#done;
  }

  /** Graceful stop: finish the current batch (its `signal` aborts), `shutdownRequested`, hand the lease over. */
  requestShutdown(): void {
    this.#stop(ShutdownReason.REQUESTED);
  }

  /** The lease is gone: deliver nothing more, tell the processor `leaseLost`. */
  leaseLost(): void {
    this.#stop(ShutdownReason.LEASE_LOST);
  }

  /** While processing and owing records: how long without progress (see `ShardProgress`). */
  stall(): ShardStall | undefined {
    return this.#state === ShardRunnerState.PROCESSING ? this.#progress.stall() : undefined;
  }

  /** A parent may have finished (it ended on this worker): look again now instead of at the next poll. */
  parentsMayHaveFinished(): void {
    this.#parentWait.wake();
  }

  /** The first reason wins, except that a lost lease overrides a requested stop (nothing may be written then). */
  #stop(reason: ShutdownReason): void {
    if (
      this.#reason !== undefined &&
      !(reason === ShutdownReason.LEASE_LOST && this.#reason === ShutdownReason.REQUESTED)
    )
      return;
    this.#reason = reason;
    this.#abort.abort(new Error(`shard runner stopping: ${reason}`));
    this.#fetcher?.close();
  }

  #fail(error: unknown): void {
    if (this.#reason !== undefined) return;
    this.#failure = error;
    this.#logger.error({ err: error }, 'shard runner failed; releasing the lease');
    this.#o.events.emit('consumer.error', { shardId: this.#shardId, error, context: 'shard_runner' });
    this.#stop(ShutdownReason.ERROR);
  }

  #canContinue(): boolean {
    if (this.#reason === undefined && !this.#o.leases.isHeld(this.#leaseKey, this.#session)) this.leaseLost();
    return this.#reason === undefined;
  }

  async #run(): Promise<ShutdownReason> {
    while (this.#state !== ShardRunnerState.DONE) {
      const state = this.#state;
      let next: ShardRunnerState;
      try {
        next = await this.#steps[state]();
      } catch (error) {
        // A bug or an unexpected failure in a step: shut down (releasing the lease), never leave the shard wedged.
        this.#fail(error);
        next = state === ShardRunnerState.SHUTTING_DOWN ? ShardRunnerState.DONE : ShardRunnerState.SHUTTING_DOWN;
      }
      this.#transition(next);
    }
    return this.#reason ?? ShutdownReason.ERROR;
  }

  #transition(to: ShardRunnerState): void {
    const from = this.#state;
    assertTransition(from, to);
    this.#state = to;
    const reason = to === ShardRunnerState.SHUTTING_DOWN || to === ShardRunnerState.DONE ? this.#reason : undefined;
    this.#o.metrics.shardState(this.#leaseKey, to);
    this.#logger.debug({ from, to, reason }, 'shard state');
    this.#o.events.emitLazy('consumer.shard_state', () =>
      reason === undefined ? { shardId: this.#shardId, from, to } : { shardId: this.#shardId, from, to, reason },
    );
  }

  async #waitingOnParents(): Promise<ShardRunnerState> {
    if (isShardEnd(this.#o.lease.checkpoint)) {
      // Finished before we got it (e.g. the previous owner checkpointed SHARD_END and crashed).
      this.#reason = ShutdownReason.SHARD_END;
      return ShardRunnerState.SHUTTING_DOWN;
    }
    const parents = this.#o.lease.parentShardIds;
    while (parents.length > 0) {
      if (this.#reason !== undefined) return ShardRunnerState.SHUTTING_DOWN;
      try {
        if (await this.#o.leases.parentsFinished(parents)) break;
      } catch (error) {
        this.#logger.warn({ err: error }, 'could not read parent leases; retrying');
      }
      await this.#parentWait.pause();
    }
    return this.#reason === undefined ? ShardRunnerState.INITIALIZING : ShardRunnerState.SHUTTING_DOWN;
  }

  /** The processor is created and initialized under the retry policy: a factory that throws once is retried too. */
  async #initializing(): Promise<ShardRunnerState> {
    const outcome = await callProcessor(this.#call, 'initialize', 0, ProcessorErrorAction.RETRY, async () => {
      this.#processor ??= this.#o.processorFactory();
      await this.#processor.initialize?.({
        shardId: this.#shardId,
        ...this.#stream,
        startingPosition: this.#o.lease.checkpoint,
      });
    });
    return outcome === CallOutcome.DONE && this.#reason === undefined
      ? ShardRunnerState.PROCESSING
      : ShardRunnerState.SHUTTING_DOWN;
  }

  async #processing(): Promise<ShardRunnerState> {
    const { lease } = this.#o;
    if (this.#reason !== undefined) return ShardRunnerState.SHUTTING_DOWN;
    const fetcher = this.#o.fetcherFactory({
      shardId: this.#shardId,
      position: lease.checkpoint,
      timestamp: this.#o.initialTimestamp,
      startTimestamp: lease.startTimestamp,
      hashKeyRange: lease.hashKeyRange,
    });
    this.#fetcher = fetcher;
    try {
      while (this.#reason === undefined) {
        let result: FetchResult;
        try {
          result = await fetcher.next();
        } catch (error) {
          if (this.#reason === undefined) this.#fail(error);
          break;
        }
        // Fenced before delivery: a lost lease delivers nothing more, even when the event has not arrived yet.
        if (!this.#canContinue()) break;
        this.#progress.read(result.millisBehindLatest, result.records.length);
        if (result.records.length > 0) await this.#processBatch(result);
        else this.#o.metrics.batch(this.#leaseKey, 0, result.millisBehindLatest, undefined);
        if (result.shardEnded && this.#reason === undefined) {
          this.#checkpointer.markShardEnd(result.childShards);
          this.#endedWith = result.childShards;
          return ShardRunnerState.SHARD_ENDING;
        }
      }
      return ShardRunnerState.SHUTTING_DOWN;
    } finally {
      fetcher.close();
    }
  }

  async #processBatch(result: FetchResult): Promise<void> {
    const processor = this.#processor!;
    const { records, millisBehindLatest } = result;
    const last = records[records.length - 1]!;
    this.#checkpointer.delivered(last);
    const startedAt = this.#o.clock.now();
    this.#progress.batchStarted();
    const outcome = await callProcessor(
      this.#call,
      'processRecords',
      records.length,
      this.#o.onProcessorError,
      async (attempt) => {
        // A retry delivers only what the processor has not checkpointed yet (a processor that checkpoints as it
        // goes is not handed its checkpointed records again).
        const pending = attempt === 1 ? records : this.#notCheckpointed(records);
        if (pending.length === 0) return undefined;
        // Checked again inside the queue: a batch may wait there for a slot while its lease goes.
        return this.#o.limiter.add(async () => {
          if (!this.#canContinue()) return NOT_CALLED;
          await processor.processRecords({
            shardId: this.#shardId,
            ...this.#stream,
            records: pending,
            checkpointer: this.#checkpointer,
            millisBehindLatest,
            signal: this.#abort.signal,
          });
          return undefined;
        });
      },
    );
    this.#progress.batchEnded(outcome === CallOutcome.DONE || outcome === CallOutcome.SKIPPED);
    // Returning means the batch is processed (a processor that stops early on `signal` checkpoints what it did and
    // throws: the batch then counts as interrupted).
    if (outcome === CallOutcome.DONE || outcome === CallOutcome.SKIPPED) {
      this.#lastProcessed = last;
      const dataBytes = dataBytesOf(records);
      this.#o.leases.recordProcessed(this.#leaseKey, this.#session, dataBytes);
      this.#o.metrics.batch(this.#leaseKey, records.length, millisBehindLatest, last.approximateArrivalTimestamp);
      this.#o.events.emitLazy('consumer.batch_processed', () => ({
        shardId: this.#shardId,
        recordCount: records.length,
        millisBehindLatest,
        durationMs: this.#o.clock.now() - startedAt,
        discardedByHashKeyRange: result.discardedByHashKeyRange,
        dataBytes,
      }));
      return;
    }
    if (outcome === CallOutcome.STOPPED) this.#stop(ShutdownReason.ERROR);
    this.#checkpointer.rollBack(this.#lastProcessed);
  }

  #notCheckpointed<T extends Position>(records: readonly T[]): readonly T[] {
    const committed = this.#checkpointer.lastCheckpoint;
    return records.filter((record) => compareExtendedSequenceNumbers(record, committed) > 0);
  }

  /** The processor must checkpoint SHARD_END (without a `shardEnded`, the worker does it). */
  async #shardEnding(): Promise<ShardRunnerState> {
    const processor = this.#processor!;
    const outcome = await callProcessor(this.#call, 'shardEnded', 0, ProcessorErrorAction.RETRY, async () => {
      if (processor.shardEnded === undefined) await this.#checkpointer.checkpoint();
      else await processor.shardEnded({ shardId: this.#shardId, ...this.#stream, checkpointer: this.#checkpointer });
      if (!this.#checkpointer.shardEndCheckpointed)
        throw new Error(
          `shardEnded for ${this.#shardId} returned without checkpointer.checkpoint(): the shard cannot finish`,
        );
    });
    if (outcome !== CallOutcome.DONE) return ShardRunnerState.SHUTTING_DOWN;
    this.#reason = ShutdownReason.SHARD_END;
    this.#o.events.emit('consumer.shard_ended', {
      shardId: this.#shardId,
      childShardIds: (this.#endedWith ?? []).flatMap((child) => (child.ShardId === undefined ? [] : [child.ShardId])),
    });
    return ShardRunnerState.DONE;
  }

  /** One ending per reason; then DONE. */
  async #shuttingDown(): Promise<ShardRunnerState> {
    const processor = this.#processor;
    const held = () => this.#o.leases.holdsSession(this.#leaseKey, this.#session);
    switch (this.#reason) {
      case ShutdownReason.LEASE_LOST:
        await this.#safely('leaseLost', () => processor?.leaseLost?.({ shardId: this.#shardId, ...this.#stream }));
        break;
      case ShutdownReason.REQUESTED:
        if (processor !== undefined && held())
          await this.#safely('shutdownRequested', () =>
            processor.shutdownRequested?.({
              shardId: this.#shardId,
              ...this.#stream,
              checkpointer: this.#checkpointer,
            }),
          );
        await this.#safely('releaseLease', () => this.#o.leases.releaseLease(this.#leaseKey, this.#session));
        break;
      case ShutdownReason.ERROR:
        // The policy's stop_shard keeps the lease (the shard waits for an operator); a failure gives it back.
        if (this.#failure !== undefined)
          await this.#safely('releaseLease', () => this.#o.leases.releaseLease(this.#leaseKey, this.#session));
        break;
      default:
        break;
    }
    return ShardRunnerState.DONE;
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

/** Sum of the records' data sizes: what a lease's throughput counts (the KCL's `DataBytesProcessed`). */
function dataBytesOf(records: readonly { data: Uint8Array }[]): number {
  let bytes = 0;
  for (const record of records) bytes += record.data.length;
  return bytes;
}
