import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { BatchTracing, Clock, Logger, MetricsOptions, ResolvedMetricsOptions } from '@kinesis-kit/commons';
import { ProcessorErrorAction } from './events.js';
import type { ResolvedRetrieval, RetrievalOption } from './fetch/fanOut/retrievalOptions.js';
import type { LeaseOptions, ResolvedLeaseOptions } from './lease/leaseCoordinatorOptions.js';
import type { AutoCheckpointOptions, EachBatchHandler, EachRecordHandler } from './processor/HandlerProcessor.js';
import type { RecordProcessorFactory } from './processor/RecordProcessor.js';
import type { FormerStreamLeaseDeletion, StreamConfig, StreamTracker } from './shardSync/MultiStreamSync.js';

/** Where a shard without a checkpoint starts. */
export type InitialPositionOption = 'TRIM_HORIZON' | 'LATEST' | { timestamp: Date };

/** Which stream a consumer reads: by name or by ARN, exactly one — or several streams through one lease table. */
export type ConsumerStream =
  | {
      /** The stream to read. */
      streamName: string;
      streamArn?: undefined;
      streams?: undefined;
    }
  | {
      /** The stream's ARN (used instead of the name in every call). */
      streamArn: string;
      streamName?: undefined;
      streams?: undefined;
    }
  | ConsumerStreams;

/** Several streams through one lease table (docs/consumer.md, "Several streams"). */
export interface ConsumerStreams {
  /**
   * A list, or a tracker function polled every `streamDiscoveryIntervalMs` whose result may change at runtime.
   * Leases use the KCL multi-stream layout (`account:streamName:creationEpoch:shardId`); each stream may have its own
   * `initialPosition`. Polling retrieval only.
   */
  streams: readonly StreamConfig[] | StreamTracker;
  /** How often a `streams` tracker function is called (every worker calls it). @default 60000 (the KCL's) */
  streamDiscoveryIntervalMs?: number | undefined;
  /**
   * What happens to the leases of a stream no longer in `streams`: kept with their checkpoints (`'none'`), or
   * deleted once nobody has renewed them for `afterMs` (`{ afterMs }`). @default 'none'
   */
  formerStreamLeaseDeletion?: FormerStreamLeaseDeletion | undefined;
  streamName?: undefined;
  streamArn?: undefined;
}

/** How records reach your code: exactly one of `processor`, `eachBatch`, `eachRecord`. */
export type ConsumerHandler =
  | {
      /** KCL-shaped processor factory, one processor per shard lease. */
      processor: RecordProcessorFactory;
      eachBatch?: undefined;
      eachRecord?: undefined;
    }
  | {
      /** KafkaJS-shaped batch handler with automatic checkpointing. */
      eachBatch: EachBatchHandler;
      processor?: undefined;
      eachRecord?: undefined;
    }
  | {
      /** KafkaJS-shaped record handler with automatic checkpointing. */
      eachRecord: EachRecordHandler;
      processor?: undefined;
      eachBatch?: undefined;
    };

/**
 * Options of `KinesisConsumer`: the stream ({@link ConsumerStream}: `streamName` or `streamArn`), the handler
 * ({@link ConsumerHandler}: `processor`, `eachBatch` or `eachRecord`), `applicationName`, and the other
 * {@link KinesisConsumerSettings}, which all have defaults. Validated in the constructor.
 */
export type KinesisConsumerOptions = ConsumerStream & ConsumerHandler & KinesisConsumerSettings;

/** Every option of `KinesisConsumer` but the stream and the handler. */
export interface KinesisConsumerSettings {
  /** Names the lease table (KCL `applicationName`): workers with the same name share the stream's shards. */
  applicationName: string;
  /** @default applicationName (KCL `tableName`) */
  leaseTableName?: string | undefined;
  /** Unique per worker process. @default `${hostname}:${pid}:${random}` (KCL: `workerIdentifier`, a UUID) */
  workerId?: string | undefined;
  /**
   * Every Kinesis call (and `SubscribeToShard`, unless `retrieval.kinesisClient` is given).
   * @default a client configured by the environment, as the SDK's are (`AWS_REGION`, `AWS_PROFILE`,
   * `AWS_ENDPOINT_URL_KINESIS`, …), over HTTP/1.1 keep-alive; destroyed by `stop()`
   */
  kinesisClient?: KinesisClient | undefined;
  /**
   * The lease table's client.
   * @default a client configured by the environment (`AWS_ENDPOINT_URL_DYNAMODB`, …), HTTP/1.1 keep-alive;
   * destroyed by `stop()`
   */
  dynamoDbClient?: DynamoDBClient | undefined;
  /** Warnings and errors go to stderr as JSON lines; pass `silentLogger()` for none, or any pino logger. @default defaultLogger() */
  logger?: Logger | undefined;
  /** @default systemClock */
  clock?: Clock | undefined;
  /**
   * Publish the KCL's metrics (`RecordsProcessed`, `MillisBehindLatest`, `LostLeases`, …) to sinks: `emfSink()`,
   * `cloudWatchSink()`, `openTelemetryMetricsSink()`. Namespace: the application name. See docs/observability.md.
   * @default undefined (none)
   */
  metrics?: MetricsOptions | undefined;
  /** A span per processed batch: `openTelemetryTracing()` from `@kinesis-kit/opentelemetry`. @default undefined */
  tracing?: BatchTracing | undefined;
  /** Where shards without a checkpoint start. @default 'LATEST' (KCL `initialPositionInStream` LATEST) */
  initialPosition?: InitialPositionOption | undefined;

  /** When `eachBatch`/`eachRecord` checkpoint. @default {} (after every batch) */
  autoCheckpoint?: AutoCheckpointOptions | undefined;

  /** `Limit` of each GetRecords call. @default 10000 (KCL `maxRecords` 10000) */
  maxRecords?: number | undefined;
  /**
   * After a read that returned nothing and is caught up, the next read of that shard starts no earlier than this
   * after the previous one started. Never applied while the shard has records or is behind.
   * @default 200 (KCL `idleTimeBetweenReadsInMillis` 1000, applied after every read)
   */
  idleTimeBetweenReadsMs?: number | undefined;
  /**
   * Reads of one shard start at least this far apart. Minimum 200: the service allows 5 GetRecords/s per shard.
   * @default 200
   */
  minGetRecordsIntervalMs?: number | undefined;
  /**
   * The most record bytes the worker holds fetched but not yet processed, over all its shards (each shard reads one
   * batch ahead of its processor). A shard holding nothing may always read, so every shard progresses; the bound is
   * overshot by at most one batch per shard reading at that moment. @default 268435456 (256 MiB)
   */
  maxPrefetchedBytes?: number | undefined;
  /** First retry delay of a failed GetShardIterator/GetRecords (throttling included). @default 200 */
  fetchRetryBaseDelayMs?: number | undefined;
  /** @default 10000 */
  fetchRetryMaxDelayMs?: number | undefined;

  /** What to do when the processor throws. @default 'retry' (the KCL skips the batch, silently) */
  onProcessorError?: ProcessorErrorAction | undefined;
  /** @default 200 */
  processorRetryBaseDelayMs?: number | undefined;
  /** @default 30000 */
  processorRetryMaxDelayMs?: number | undefined;
  /** How many shards may be inside the processor at once. @default 64 */
  maxConcurrentBatches?: number | undefined;
  /**
   * The longest wait between two looks of a child shard at its parents' leases (the first look is at once, then
   * 0.25 s, doubling up to this; a parent ending on this worker wakes its children at once).
   * @default 10000 (KCL `parentShardPollIntervalMillis` 10000)
   */
  parentShardPollIntervalMs?: number | undefined;
  /**
   * A shard that makes no progress for this long while behind (or with every read failing) is reported:
   * `consumer.shard_stuck`, a warning, the `StuckShards` metric. @default 60000
   */
  stuckShardThresholdMs?: number | undefined;
  /** How often the scheduler reconciles held leases with running shards. @default 1000 */
  schedulerTickMs?: number | undefined;

  /**
   * Hold the process open from `start()` until `stop()`, as a server does (one ref'd interval; every other timer
   * is unref'd). Turn off when something else owns the process lifetime (a test runner, a job that calls `stop()`).
   * @default true
   */
  keepProcessAlive?: boolean | undefined;
  /**
   * The most `stop()` takes (plus one DynamoDB request), so it fits an orchestrator's grace period (ECS and
   * Kubernetes kill 30 s after SIGTERM): up to half of it waiting for successors to listen, then processors get
   * their `signal`, finish (an `eachRecord` handler stops between records) and checkpoint; whatever still runs when
   * it is up has its lease released anyway. `Infinity` waits for every processor. @default 20000
   */
  stopTimeoutMs?: number | undefined;
  /** A lease not renewed for this long may be taken by another worker. @default 10000 (KCL `failoverTimeMillis`) */
  failoverTimeMs?: number | undefined;
  /** Further lease-layer settings: renewal and taking periods, balancing, handoff (see docs/leases.md). */
  leaseOptions?: LeaseOptions | undefined;
  /**
   * How shards are read: `'polling'` (GetRecords) or `{ type: 'fanout', … }` (enhanced fan-out, SubscribeToShard;
   * see docs/consumer.md "Retrieval"). @default 'polling' (KCL 2.x/3.x default: fan-out)
   */
  retrieval?: RetrievalOption | undefined;
}

export interface ResolvedKinesisConsumerOptions {
  streamName: string | undefined;
  streamArn: string | undefined;
  streams: readonly StreamConfig[] | StreamTracker | undefined;
  streamDiscoveryIntervalMs: number;
  formerStreamLeaseDeletion: FormerStreamLeaseDeletion;
  applicationName: string;
  leaseTableName: string;
  workerId: string;
  kinesisClient: KinesisClient | undefined;
  dynamoDbClient: DynamoDBClient | undefined;
  logger: Logger;
  clock: Clock;
  /** Undefined when nothing is published. */
  metrics: ResolvedMetricsOptions | undefined;
  tracing: BatchTracing | undefined;
  initialPosition: InitialPositionOption;
  processor: RecordProcessorFactory | undefined;
  eachBatch: EachBatchHandler | undefined;
  eachRecord: EachRecordHandler | undefined;
  autoCheckpoint: AutoCheckpointOptions;
  maxRecords: number;
  idleTimeBetweenReadsMs: number;
  minGetRecordsIntervalMs: number;
  maxPrefetchedBytes: number;
  fetchRetryBaseDelayMs: number;
  fetchRetryMaxDelayMs: number;
  onProcessorError: ProcessorErrorAction;
  processorRetryBaseDelayMs: number;
  processorRetryMaxDelayMs: number;
  maxConcurrentBatches: number;
  parentShardPollIntervalMs: number;
  schedulerTickMs: number;
  stuckShardThresholdMs: number;
  failoverTimeMs: number;
  keepProcessAlive: boolean;
  stopTimeoutMs: number;
  leaseOptions: ResolvedLeaseOptions;
  retrieval: ResolvedRetrieval;
}

export const DEFAULT_KINESIS_CONSUMER_OPTIONS = Object.freeze({
  initialPosition: 'LATEST',
  maxRecords: 10_000,
  idleTimeBetweenReadsMs: 200,
  minGetRecordsIntervalMs: 200,
  maxPrefetchedBytes: 256 * 1024 * 1024,
  fetchRetryBaseDelayMs: 200,
  fetchRetryMaxDelayMs: 10_000,
  onProcessorError: ProcessorErrorAction.RETRY,
  processorRetryBaseDelayMs: 200,
  processorRetryMaxDelayMs: 30_000,
  maxConcurrentBatches: 64,
  parentShardPollIntervalMs: 10_000,
  schedulerTickMs: 1_000,
  stuckShardThresholdMs: 60_000,
  failoverTimeMs: 10_000,
  stopTimeoutMs: 20_000,
  streamDiscoveryIntervalMs: 60_000,
  formerStreamLeaseDeletion: 'none',
} as const);
