import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  backoffDelay,
  isRetriable,
  type Listener,
  type Logger,
  sleep,
  type TimerHandle,
  TypedEmitter,
} from '@kinesis-kit/commons';
import PQueue from 'p-queue';
import { consumerClients } from './clients/consumerClients.js';
import { ConsumerStateError } from './errors.js';
import type { ConsumerEvents } from './events.js';
import { createFanOutFetcherFactory } from './fetch/fanOut/fanOutFetcherFactory.js';
import type { ResolvedFanOutRetrieval } from './fetch/fanOut/retrievalOptions.js';
import { PollingFetcher } from './fetch/PollingFetcher.js';
import { PrefetchBudget } from './fetch/PrefetchBudget.js';
import type { RecordsFetcherFactory } from './fetch/RecordsFetcher.js';
import { DynamoDBLeaseTable } from './lease/DynamoDBLeaseTable.js';
import { forwardLeaseEvents } from './lease/forwardLeaseEvents.js';
import { LeaseCoordinator } from './lease/LeaseCoordinator.js';
import { ConsumerMetrics, type ConsumerMetricsSnapshot } from './metrics/ConsumerMetrics.js';
import { ConsumerObservability } from './observability/ConsumerObservability.js';
import type { KinesisConsumerOptions, ResolvedKinesisConsumerOptions } from './options.js';
import { processorFactoryOf } from './processor/handlerProcessorFactory.js';
import { resolveKinesisConsumerOptions } from './resolveOptions.js';
import type { RunnerLease } from './runner/RunnerLeases.js';
import { ShardRunner } from './runner/ShardRunner.js';
import { Scheduler } from './scheduler/Scheduler.js';
import { WorkerLeaseLayer } from './scheduler/WorkerLeaseLayer.js';
import { consumerStreams, type StreamTarget } from './shardSync/consumerStreams.js';

/**
 * How often `start()` tries to start the lease loops when DynamoDB fails transiently: the KCL's
 * `maxInitializationAttempts` (20), so a throttled or briefly unreachable table does not fail start().
 */
const START_ATTEMPTS = 20;

/** Lifecycle of a {@link KinesisConsumer}. */
export const ConsumerState = {
  CREATED: 'created',
  STARTING: 'starting',
  RUNNING: 'running',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
} as const;
export type ConsumerState = (typeof ConsumerState)[keyof typeof ConsumerState];

/**
 * A worker: takes shard leases from the application's DynamoDB lease table, reads every shard it holds, hands
 * the records to the processor in order, checkpoints, and hands its shards over on `stop()`.
 */
export class KinesisConsumer {
  readonly #o: ResolvedKinesisConsumerOptions;
  readonly #logger: Logger;
  readonly #events: TypedEmitter<ConsumerEvents>;
  readonly #metrics: ConsumerMetrics;
  readonly #observability: ConsumerObservability;
  #state: ConsumerState = ConsumerState.CREATED;
  #coordinator: LeaseCoordinator | undefined;
  #scheduler: Scheduler | undefined;
  #leaseLayer: WorkerLeaseLayer | undefined;
  #stopping: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #keepAlive: TimerHandle | undefined;
  /** Default clients made at start(): destroyed once stopped. */
  #ownedClients: readonly { destroy(): void }[] = [];

  constructor(options: KinesisConsumerOptions) {
    this.#o = resolveKinesisConsumerOptions(options);
    this.#logger = this.#o.logger.child({ component: 'KinesisConsumer', workerId: this.#o.workerId });
    this.#events = new TypedEmitter<ConsumerEvents>(this.#logger);
    this.#metrics = new ConsumerMetrics(this.#o.clock);
    this.#observability = new ConsumerObservability(this.#o, this.#events, this.#metrics, this.#o.clock);
  }

  get workerId(): string {
    return this.#o.workerId;
  }

  get state(): ConsumerState {
    return this.#state;
  }

  /** Subscribes to an instrumentation event; returns the unsubscribe function. */
  on<E extends keyof ConsumerEvents>(event: E, listener: Listener<ConsumerEvents[E]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Records/s, lag and state per shard held now. */
  metrics(): ConsumerMetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /** Creates the lease table if needed, syncs shards, and starts taking leases and processing. */
  start(): Promise<void> {
    if (this.#state !== ConsumerState.CREATED) return Promise.reject(new ConsumerStateError('start', this.#state));
    this.#state = ConsumerState.STARTING;
    // A worker is a long-running service: one ref'd handle keeps the process alive from start() until stop()
    // (every other timer of the library is unref'd, and idle keep-alive sockets do not hold the loop either).
    if (this.#o.keepProcessAlive) this.#keepAlive = this.#o.clock.holdProcessOpen?.();
    // While start() runs the process stays alive whatever keepProcessAlive says (it waits on timers too: a worker
    // waits a moment after announcing itself before it takes leases), as stop() does.
    const starting = this.#o.clock.holdProcessOpen?.();
    this.#starting = this.#start()
      .catch((error: unknown) => {
        this.#releaseProcess();
        if (this.#state === ConsumerState.STARTING) this.#state = ConsumerState.STOPPED;
        throw error;
      })
      .finally(() => starting?.cancel());
    return this.#starting;
  }

  async #start(): Promise<void> {
    const o = this.#o;
    const clients = consumerClients(o);
    this.#ownedClients = clients.owned;
    const { kinesis: kinesisClient, dynamoDb: dynamoDbClient } = clients;
    const leaseTable = new DynamoDBLeaseTable({
      dynamoDbClient,
      tableName: o.leaseTableName,
      logger: o.logger,
      clock: o.clock,
    });
    const prefetchBudget = new PrefetchBudget(o.maxPrefetchedBytes);
    const pollingFetchers =
      (target: StreamTarget, events: TypedEmitter<ConsumerEvents>): RecordsFetcherFactory =>
      (start) =>
        new PollingFetcher(start, {
          kinesisClient,
          streamName: target.streamName,
          streamArn: target.streamArn,
          maxRecords: o.maxRecords,
          idleTimeBetweenReadsMs: o.idleTimeBetweenReadsMs,
          minGetRecordsIntervalMs: o.minGetRecordsIntervalMs,
          retryBaseDelayMs: o.fetchRetryBaseDelayMs,
          retryMaxDelayMs: o.fetchRetryMaxDelayMs,
          prefetchBudget,
          logger: o.logger,
          clock: o.clock,
          events,
        });
    // One stream, or several through one table (the KCL multi-stream layout): where leases come from, and what
    // each shard's runner reads.
    const streams = consumerStreams(o, {
      kinesisClient,
      leaseTable,
      events: this.#events,
      logger: this.#logger,
      pollingFetchers,
      singleStreamFetchers:
        o.retrieval === 'polling'
          ? pollingFetchers({ streamName: o.streamName, streamArn: o.streamArn }, this.#events)
          : await this.#fanOutFetcherFactory(
              { ...o.retrieval, kinesisClient: clients.subscribe },
              kinesisClient,
              prefetchBudget,
            ),
    });
    const coordinator = new LeaseCoordinator({
      ...o.leaseOptions,
      leaseTable,
      shardSyncer: streams.source,
      workerId: o.workerId,
      failoverTimeMs: o.failoverTimeMs,
      logger: o.logger,
      clock: o.clock,
    });
    this.#coordinator = coordinator;
    forwardLeaseEvents(coordinator, this.#events, this.#logger);
    this.#observability.leasesCreated(coordinator);
    const leaseLayer = new WorkerLeaseLayer(coordinator, streams.streamNameOf);
    this.#leaseLayer = leaseLayer;
    const limiter = new PQueue({ concurrency: o.maxConcurrentBatches });
    const processorFactory = this.#observability.processors(processorFactoryOf(o, this.#logger, this.#events));
    const initialTimestamp = typeof o.initialPosition === 'object' ? o.initialPosition.timestamp : undefined;
    this.#scheduler = new Scheduler({
      leases: leaseLayer,
      createRunner: (lease: RunnerLease) =>
        new ShardRunner({
          lease,
          leases: leaseLayer,
          processorFactory,
          ...streams.runnerWiring(lease),
          limiter,
          initialTimestamp,
          onProcessorError: o.onProcessorError,
          processorRetryBaseDelayMs: o.processorRetryBaseDelayMs,
          processorRetryMaxDelayMs: o.processorRetryMaxDelayMs,
          parentShardPollIntervalMs: o.parentShardPollIntervalMs,
          metrics: this.#metrics,
          logger: o.logger,
          clock: o.clock,
        }),
      tickMs: o.schedulerTickMs,
      stuckShardThresholdMs: o.stuckShardThresholdMs,
      events: this.#events,
      metrics: this.#metrics,
      logger: o.logger,
      clock: o.clock,
    });
    await this.#startCoordinator(coordinator);
    if (this.#stopping !== undefined) return; // stop() was called while starting: it cleans up
    this.#scheduler.start();
    this.#state = ConsumerState.RUNNING;
    this.#logger.info('consumer started');
    this.#events.emit('consumer.started', { workerId: o.workerId });
  }

  /** Enhanced fan-out: registers the stream consumer (waits ACTIVE); a failure fails `start()`. */
  async #fanOutFetcherFactory(
    retrieval: ResolvedFanOutRetrieval,
    kinesisClient: KinesisClient,
    prefetchBudget: PrefetchBudget,
  ): Promise<RecordsFetcherFactory> {
    const o = this.#o;
    try {
      return await createFanOutFetcherFactory({
        retrieval,
        kinesisClient,
        streamName: o.streamName,
        streamArn: o.streamArn,
        retryBaseDelayMs: o.fetchRetryBaseDelayMs,
        retryMaxDelayMs: o.fetchRetryMaxDelayMs,
        prefetchBudget,
        logger: o.logger,
        clock: o.clock,
        events: this.#events,
      });
    } catch (error) {
      this.#state = ConsumerState.STOPPED;
      throw error;
    }
  }

  /**
   * Starts the lease loops. A transient failure (throttling, timeouts: `retriable` errors) is retried with backoff,
   * up to {@link START_ATTEMPTS} attempts; anything else (a foreign table, missing permissions) fails `start()`.
   */
  async #startCoordinator(coordinator: LeaseCoordinator): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await coordinator.start();
        return;
      } catch (error) {
        await coordinator.stop();
        if (!isRetriable(error) || attempt >= START_ATTEMPTS || this.#stopping !== undefined) {
          this.#state = ConsumerState.STOPPED;
          this.#releaseProcess();
          throw error;
        }
        const delayMs = backoffDelay(attempt, { baseDelayMs: 200, maxDelayMs: 5_000 });
        this.#logger.warn({ err: error, attempt, delayMs }, 'lease coordinator failed to start; retrying');
        this.#events.emit('consumer.error', { error, context: 'start' });
        await sleep(delayMs, undefined, this.#o.clock);
      }
    }
  }

  /**
   * Graceful stop, bounded by `stopTimeoutMs`: no new leases; each held lease gets a named successor among the live
   * workers, and its shard keeps processing until that successor listens (at most half of `stopTimeoutMs`); then
   * the processor's `signal` aborts (an `eachRecord` handler stops between two records), the batch in flight
   * finishes, the processor gets `shutdownRequested` (and checkpoints), and the lease is transferred to the
   * successor, which starts from that checkpoint within about `handoffPollIntervalMs`. Without a successor (or when
   * it does not answer in time) the lease is released, so any worker takes it at its next scan. Leases of
   * processors still running when the time is up are released anyway (their later checkpoints fail with
   * `LeaseLostError`). The process is kept alive until the returned promise settles. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const clock = this.#o.clock;
    const startedAt = clock.now();
    // Ref'd: whatever else the process has (or has not) left to do, it lives until the handoff is done.
    const alive = clock.holdProcessOpen?.();
    try {
      const work = this.#handOver(startedAt);
      const timeoutMs = this.#o.stopTimeoutMs;
      if (!Number.isFinite(timeoutMs)) return await work;
      // The bound is kept even when a DynamoDB request hangs at the very end (each is cut at its own timeout, but
      // several in a row could add up): what is not done by then goes on in the background, and a lease whose
      // release did not land expires after failoverTimeMs.
      let timer: TimerHandle | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = clock.setTimeout(() => resolve('late'), timeoutMs);
      });
      const outcome = await Promise.race([work.then(() => 'done' as const), late]);
      timer?.cancel();
      if (outcome === 'late') {
        this.#logger.warn(
          { stopTimeoutMs: timeoutMs },
          'stop() ran out of time; leases not handed over yet will expire',
        );
        this.#state = ConsumerState.STOPPED;
        work.catch((error: unknown) => this.#logger.warn({ err: error }, 'handoff after stop() failed'));
      }
    } finally {
      this.#releaseProcess();
      alive?.cancel();
    }
  }

  /** The graceful part of `stop()` (see there), in order. */
  async #handOver(startedAt: number): Promise<void> {
    const clock = this.#o.clock;
    // Let a start() in progress reach a stable point first (it checks #stopping before starting the scheduler).
    await this.#starting?.catch(() => undefined);
    const wasRunning = this.#state === ConsumerState.RUNNING || this.#state === ConsumerState.STARTING;
    this.#state = ConsumerState.STOPPING;
    const timeoutMs = this.#o.stopTimeoutMs;
    // Kept back from the processors for the final lease writes (transfers, releases).
    const reserveMs = Math.min(2_000, timeoutMs / 10);
    const coordinator = this.#coordinator;
    await coordinator?.prepareHandoff({ maxWaitMs: timeoutMs / 2 });
    const processingMs = Math.max(0, timeoutMs - reserveMs - (clock.now() - startedAt));
    const busy =
      (await this.#scheduler?.stop(processingMs, (shardId) =>
        coordinator === undefined ? Promise.resolve() : coordinator.handoffReady(shardId),
      )) ?? [];
    if (busy.length > 0) {
      this.#logger.warn(
        { shards: busy, stopTimeoutMs: timeoutMs },
        'stop timed out with processors still running; releasing their leases anyway',
      );
    }
    await coordinator?.stop();
    await this.#leaseLayer?.releaseRemaining();
    this.#state = ConsumerState.STOPPED;
    await this.#observability.stopped();
    if (wasRunning) {
      this.#logger.info('consumer stopped');
      const counts = coordinator?.handoffCounts ?? { transferred: 0, released: 0 };
      this.#events.emit('consumer.stopped', {
        workerId: this.#o.workerId,
        durationMs: clock.now() - startedAt,
        leasesHandedOver: counts.transferred,
        leasesReleased: counts.released,
      });
    }
  }

  /** Once stopped (or failed to start): no keep-alive handle, and the default clients' sockets closed. */
  #releaseProcess(): void {
    this.#keepAlive?.cancel();
    this.#keepAlive = undefined;
    for (const client of this.#ownedClients) client.destroy();
    this.#ownedClients = [];
  }
}
