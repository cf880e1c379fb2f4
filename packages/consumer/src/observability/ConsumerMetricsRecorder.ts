import {
  type Clock,
  type Dimension,
  type Logger,
  type MetricHandle,
  MetricsGranularity,
  MetricsPublisher,
  MetricsRegistry,
  type MetricsSource,
  type ResolvedMetricsOptions,
  type TypedEmitter,
} from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../events.js';
import { ConsumerMetric, Operation } from './consumerMetricDefinitions.js';

/** The per-shard handles (ProcessTask). */
interface ShardHandles {
  recordsProcessed: MetricHandle;
  dataBytesProcessed: MetricHandle;
  millisBehindLatest: MetricHandle;
  processRecordsTime: MetricHandle;
  expiredIterator: MetricHandle;
  getRecordsSuccess: MetricHandle;
  checkpointSuccess: MetricHandle;
  processorErrors: MetricHandle;
  fetchErrors: MetricHandle;
  checkpointFailures: MetricHandle;
}

/** What a lease-layer source reports after each taking cycle (the coordinator's `taking_cycle` event). */
export interface TakingCycle {
  readonly liveWorkers: readonly string[];
  readonly activeLeaseCount: number;
  readonly target: number;
}

/** The lease layer's reports the recorder reads: the consumer's `LeaseCoordinator`. */
export interface TakingCycleSource {
  on(event: 'taking_cycle', listener: (cycle: TakingCycle) => void): () => void;
}

/**
 * The consumer's published metrics (only built when a sink is configured): subscribes to the consumer's own events
 * (a listener per event, so payloads built lazily are built only now) and keeps the KCL's series per shard and per
 * worker. Every handler is O(1) per event.
 */
export class ConsumerMetricsRecorder {
  readonly #registry: MetricsRegistry;
  readonly #publisher: MetricsPublisher;
  readonly #shards = new Map<string, ShardHandles>();
  readonly #stuckShards = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #worker: {
    lostLeases: MetricHandle;
    takenLeases: MetricHandle;
    workerErrors: MetricHandle;
    checkpointFailures: MetricHandle;
  };
  #lastCycle: TakingCycle | undefined;

  constructor(
    options: ResolvedMetricsOptions,
    events: TypedEmitter<ConsumerEvents>,
    source: MetricsSource,
    currentLeases: () => number,
    clock: Clock,
    logger: Logger,
  ) {
    const registry = new MetricsRegistry(options);
    this.#registry = registry;
    const renew = [{ name: 'Operation', value: Operation.RENEW_ALL_LEASES }];
    const take = [{ name: 'Operation', value: Operation.TAKE_LEASES }];
    const worker = [{ name: 'Operation', value: Operation.WORKER }];
    this.#worker = {
      lostLeases: registry.handle(ConsumerMetric.LostLeases, [renew]),
      takenLeases: registry.handle(ConsumerMetric.TakenLeases, [take]),
      workerErrors: registry.handle(ConsumerMetric.WorkerErrors, [worker]),
      // Failures of automatic checkpoints are reported without a shard.
      checkpointFailures: registry.handle(ConsumerMetric.CheckpointFailures, [worker]),
    };
    registry.gauge(ConsumerMetric.CurrentLeases, renew, currentLeases);
    registry.gauge(ConsumerMetric.StuckShards, worker, () => this.#stuckShards.size);
    registry.gauge(ConsumerMetric.NumWorkers, take, () => this.#lastCycle?.liveWorkers.length);
    registry.gauge(ConsumerMetric.TotalLeases, take, () => this.#lastCycle?.activeLeaseCount);
    registry.gauge(ConsumerMetric.NeededLeases, take, () => this.#lastCycle?.target);
    this.#subscribe(events);
    this.#publisher = new MetricsPublisher(registry, options, source, clock, logger);
  }

  /** Starts the interval timer. */
  start(): void {
    this.#publisher.start();
  }

  /** Also reports the lease layer's view (NumWorkers, TotalLeases, NeededLeases). */
  watchLeases(source: TakingCycleSource): void {
    this.#unsubscribe.push(
      source.on('taking_cycle', (cycle) => {
        this.#lastCycle = cycle;
      }),
    );
  }

  /** Unsubscribes, publishes what the interval holds and flushes the sinks (stop()). */
  close(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    return this.#publisher.close();
  }

  #subscribe(events: TypedEmitter<ConsumerEvents>): void {
    const on = <E extends keyof ConsumerEvents>(event: E, listener: (payload: ConsumerEvents[E]) => void) =>
      this.#unsubscribe.push(events.on(event, listener));
    on('consumer.batch_processed', ({ shardId, streamId, recordCount, durationMs, dataBytes }) => {
      const shard = this.#shard(shardId, streamId);
      shard.recordsProcessed.add(recordCount);
      shard.processRecordsTime.add(durationMs);
      shard.dataBytesProcessed.add(dataBytes);
    });
    on('consumer.lag', ({ shardId, streamId, millisBehindLatest }) => {
      const shard = this.#shard(shardId, streamId);
      shard.getRecordsSuccess.add(1);
      if (millisBehindLatest !== undefined) shard.millisBehindLatest.add(millisBehindLatest);
    });
    on('consumer.iterator_expired', ({ shardId, streamId }) => this.#shard(shardId, streamId).expiredIterator.add(1));
    on('consumer.shard_stuck', ({ shardId, streamId, stuck }) => {
      const key = shardKey(shardId, streamId);
      if (stuck) this.#stuckShards.add(key);
      else this.#stuckShards.delete(key);
    });
    on('consumer.processor_error', ({ shardId, streamId }) => this.#shard(shardId, streamId).processorErrors.add(1));
    on('consumer.fetch_error', ({ shardId, streamId }) => this.#shard(shardId, streamId).fetchErrors.add(1));
    on('consumer.checkpoint', ({ shardId, streamId }) => this.#shard(shardId, streamId).checkpointSuccess.add(1));
    on('consumer.checkpoint_failed', ({ shardId, streamId }) =>
      this.#shard(shardId, streamId).checkpointFailures.add(1),
    );
    on('consumer.lease_gained', () => this.#worker.takenLeases.add(1));
    on('consumer.lease_lost', ({ shardId, streamId }) => {
      this.#worker.lostLeases.add(1);
      this.#forget(shardId, streamId);
    });
    on('consumer.shard_ended', ({ shardId, streamId }) => this.#forget(shardId, streamId));
    on('consumer.error', ({ context }) => {
      if (context === 'auto_checkpoint') this.#worker.checkpointFailures.add(1);
      else this.#worker.workerErrors.add(1);
    });
  }

  /** A shard's handles; `streamId` when the application reads several streams (the KCL's StreamId dimension). */
  #shard(shardId: string, streamId: string | undefined): ShardHandles {
    const key = shardKey(shardId, streamId);
    let handles = this.#shards.get(key);
    if (handles !== undefined) return handles;
    const registry = this.#registry;
    const operation: readonly Dimension[] =
      streamId === undefined
        ? [{ name: 'Operation', value: Operation.PROCESS_TASK }]
        : [
            { name: 'Operation', value: Operation.PROCESS_TASK },
            { name: 'StreamId', value: streamId },
          ];
    // Per shard, and always the stream-wide copy without ShardId (Maximum of MillisBehindLatest = the stream's lag).
    const levels: (readonly Dimension[])[] =
      registry.granularity === MetricsGranularity.SHARD
        ? [[...operation, { name: 'ShardId', value: shardId }], operation]
        : [operation];
    handles = {
      recordsProcessed: registry.handle(ConsumerMetric.RecordsProcessed, levels),
      dataBytesProcessed: registry.handle(ConsumerMetric.DataBytesProcessed, levels),
      millisBehindLatest: registry.handle(ConsumerMetric.MillisBehindLatest, levels),
      processRecordsTime: registry.handle(ConsumerMetric.ProcessRecordsTime, levels),
      expiredIterator: registry.handle(ConsumerMetric.ExpiredIterator, levels),
      getRecordsSuccess: registry.handle(ConsumerMetric.GetRecordsSuccess, levels),
      checkpointSuccess: registry.handle(ConsumerMetric.CheckpointSuccess, levels),
      processorErrors: registry.handle(ConsumerMetric.ProcessorErrors, levels),
      fetchErrors: registry.handle(ConsumerMetric.FetchErrors, levels),
      checkpointFailures: registry.handle(ConsumerMetric.CheckpointFailures, levels),
    };
    this.#shards.set(key, handles);
    return handles;
  }

  /** A shard this worker no longer reads: its series are published once more, then forgotten. */
  #forget(shardId: string, streamId: string | undefined): void {
    if (!this.#shards.delete(shardKey(shardId, streamId))) return;
    const shard: Dimension = { name: 'ShardId', value: shardId };
    if (streamId === undefined) this.#registry.retire(shard);
    else this.#registry.retire(shard, { name: 'StreamId', value: streamId });
  }
}

/** Shard ids repeat across streams: with several streams a shard is known by both. */
function shardKey(shardId: string, streamId: string | undefined): string {
  return streamId === undefined ? shardId : `${streamId}\u0000${shardId}`;
}
