import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { BatchTracing, Clock, Logger, MetricsOptions, ResolvedMetricsOptions } from '@kinesis-kit/commons';
import {
  defaultLogger,
  InvalidOptionError,
  rejectUnknownOptions,
  resolveMetricsOptions,
  systemClock,
} from '@kinesis-kit/commons';
import { ProcessorErrorAction } from './events.js';
import {
  type ResolvedRetrieval,
  type RetrievalOption,
  resolveRetrievalOption,
} from './fetch/fanOut/retrievalOptions.js';
import { type LeaseOptions, type ResolvedLeaseOptions, resolveLeaseOptions } from './lease/leaseCoordinatorOptions.js';
import type { AutoCheckpointOptions, EachBatchHandler, EachRecordHandler } from './processor/HandlerProcessor.js';
import type { RecordProcessorFactory } from './processor/RecordProcessor.js';

/** Where a shard without a checkpoint starts. */
export type InitialPositionOption = 'TRIM_HORIZON' | 'LATEST' | { timestamp: Date };

/** Which stream a consumer reads: by name or by ARN, exactly one. */
export type ConsumerStream =
  | {
      /** The stream to read. */
      streamName: string;
      streamArn?: undefined;
    }
  | {
      /** The stream's ARN (used instead of the name in every call). */
      streamArn: string;
      streamName?: undefined;
    };

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
} as const);

/** Merges defaults and validates eagerly: throws `InvalidOptionError` naming the first bad option. */
export function resolveKinesisConsumerOptions(options: KinesisConsumerOptions): ResolvedKinesisConsumerOptions {
  rejectUnknownOptions(options, CONSUMER_OPTION_KEYS);
  const d = DEFAULT_KINESIS_CONSUMER_OPTIONS;
  // Merged once: an explicit `undefined` means "the default".
  const o = {
    ...options,
    initialPosition: options.initialPosition ?? d.initialPosition,
    maxRecords: options.maxRecords ?? d.maxRecords,
    idleTimeBetweenReadsMs: options.idleTimeBetweenReadsMs ?? d.idleTimeBetweenReadsMs,
    minGetRecordsIntervalMs: options.minGetRecordsIntervalMs ?? d.minGetRecordsIntervalMs,
    maxPrefetchedBytes: options.maxPrefetchedBytes ?? d.maxPrefetchedBytes,
    fetchRetryBaseDelayMs: options.fetchRetryBaseDelayMs ?? d.fetchRetryBaseDelayMs,
    fetchRetryMaxDelayMs: options.fetchRetryMaxDelayMs ?? d.fetchRetryMaxDelayMs,
    onProcessorError: options.onProcessorError ?? d.onProcessorError,
    processorRetryBaseDelayMs: options.processorRetryBaseDelayMs ?? d.processorRetryBaseDelayMs,
    processorRetryMaxDelayMs: options.processorRetryMaxDelayMs ?? d.processorRetryMaxDelayMs,
    maxConcurrentBatches: options.maxConcurrentBatches ?? d.maxConcurrentBatches,
    parentShardPollIntervalMs: options.parentShardPollIntervalMs ?? d.parentShardPollIntervalMs,
    schedulerTickMs: options.schedulerTickMs ?? d.schedulerTickMs,
    stuckShardThresholdMs: options.stuckShardThresholdMs ?? d.stuckShardThresholdMs,
    failoverTimeMs: options.failoverTimeMs ?? d.failoverTimeMs,
    stopTimeoutMs: options.stopTimeoutMs ?? d.stopTimeoutMs,
    keepProcessAlive: options.keepProcessAlive ?? true,
  };
  if ((o.streamName === undefined) === (o.streamArn === undefined))
    throw new InvalidOptionError('streamName', 'set (or `streamArn`), but not both', o.streamName ?? o.streamArn);
  if (typeof o.applicationName !== 'string' || !/^[a-zA-Z0-9_.-]{1,255}$/.test(o.applicationName))
    throw new InvalidOptionError(
      'applicationName',
      'a name of 1-255 letters, digits, `_`, `.` or `-`',
      o.applicationName,
    );
  // The lease table is created at start(); its name is checked here, and the error names the option that set it.
  if (o.leaseTableName !== undefined && !isTableName(o.leaseTableName))
    throw new InvalidOptionError('leaseTableName', TABLE_NAME_RULE, o.leaseTableName);
  if (o.leaseTableName === undefined && !isTableName(o.applicationName))
    throw new InvalidOptionError(
      'applicationName',
      `${TABLE_NAME_RULE} when it names the lease table (or set \`leaseTableName\`)`,
      o.applicationName,
    );
  const handlers = [o.processor, o.eachBatch, o.eachRecord].filter((h) => h !== undefined);
  if (handlers.length !== 1 || typeof handlers[0] !== 'function')
    throw new InvalidOptionError(
      'processor',
      'the only one of `processor`, `eachBatch`, `eachRecord` (a function)',
      handlers.length,
    );
  const ip = o.initialPosition;
  if (ip !== 'TRIM_HORIZON' && ip !== 'LATEST' && !(typeof ip === 'object' && ip.timestamp instanceof Date))
    throw new InvalidOptionError('initialPosition', "'TRIM_HORIZON', 'LATEST' or { timestamp: Date }", ip);
  integer('maxRecords', o.maxRecords, 1, 10_000);
  integer('idleTimeBetweenReadsMs', o.idleTimeBetweenReadsMs, 0);
  integer('minGetRecordsIntervalMs', o.minGetRecordsIntervalMs, 200);
  integer('maxPrefetchedBytes', o.maxPrefetchedBytes, 1);
  integer('fetchRetryBaseDelayMs', o.fetchRetryBaseDelayMs, 1);
  integer('fetchRetryMaxDelayMs', o.fetchRetryMaxDelayMs, o.fetchRetryBaseDelayMs);
  if (!Object.values(ProcessorErrorAction).includes(o.onProcessorError))
    throw new InvalidOptionError('onProcessorError', "'retry', 'skip' or 'stop_shard'", o.onProcessorError);
  integer('processorRetryBaseDelayMs', o.processorRetryBaseDelayMs, 1);
  integer('processorRetryMaxDelayMs', o.processorRetryMaxDelayMs, o.processorRetryBaseDelayMs);
  integer('maxConcurrentBatches', o.maxConcurrentBatches, 1);
  integer('parentShardPollIntervalMs', o.parentShardPollIntervalMs, 10);
  integer('schedulerTickMs', o.schedulerTickMs, 10);
  integer('stuckShardThresholdMs', o.stuckShardThresholdMs, 1);
  integer('failoverTimeMs', o.failoverTimeMs, 1_000);
  if (o.stopTimeoutMs !== Number.POSITIVE_INFINITY) integer('stopTimeoutMs', o.stopTimeoutMs, 0);
  const auto = o.autoCheckpoint ?? {};
  rejectUnknownOptions(auto, AUTO_CHECKPOINT_KEYS, 'autoCheckpoint');
  if (auto.everyRecords !== undefined) integer('autoCheckpoint.everyRecords', auto.everyRecords, 1);
  if (auto.everyMs !== undefined) integer('autoCheckpoint.everyMs', auto.everyMs, 0);
  if (o.tracing !== undefined && (o.tracing === null || typeof o.tracing.traceBatch !== 'function'))
    throw new InvalidOptionError('tracing', 'a batch tracing (with traceBatch())', o.tracing);
  const workerId = o.workerId ?? defaultWorkerId();
  if (typeof workerId !== 'string' || workerId.length === 0)
    throw new InvalidOptionError('workerId', 'a non-empty string', workerId);
  return {
    streamName: o.streamName,
    streamArn: o.streamArn,
    applicationName: o.applicationName,
    leaseTableName: o.leaseTableName ?? o.applicationName,
    workerId,
    kinesisClient: o.kinesisClient,
    dynamoDbClient: o.dynamoDbClient,
    logger: o.logger ?? defaultLogger(),
    clock: o.clock ?? systemClock,
    metrics: resolveMetricsOptions(o.metrics, o.applicationName),
    tracing: o.tracing,
    initialPosition: ip,
    processor: o.processor,
    eachBatch: o.eachBatch,
    eachRecord: o.eachRecord,
    autoCheckpoint: auto,
    maxRecords: o.maxRecords,
    idleTimeBetweenReadsMs: o.idleTimeBetweenReadsMs,
    minGetRecordsIntervalMs: o.minGetRecordsIntervalMs,
    maxPrefetchedBytes: o.maxPrefetchedBytes,
    fetchRetryBaseDelayMs: o.fetchRetryBaseDelayMs,
    fetchRetryMaxDelayMs: o.fetchRetryMaxDelayMs,
    onProcessorError: o.onProcessorError,
    processorRetryBaseDelayMs: o.processorRetryBaseDelayMs,
    processorRetryMaxDelayMs: o.processorRetryMaxDelayMs,
    maxConcurrentBatches: o.maxConcurrentBatches,
    parentShardPollIntervalMs: o.parentShardPollIntervalMs,
    schedulerTickMs: o.schedulerTickMs,
    stuckShardThresholdMs: o.stuckShardThresholdMs,
    failoverTimeMs: o.failoverTimeMs,
    stopTimeoutMs: o.stopTimeoutMs,
    keepProcessAlive: o.keepProcessAlive,
    leaseOptions: resolveLeaseOptions(o.leaseOptions ?? {}, o.failoverTimeMs, 'leaseOptions'),
    retrieval: resolveRetrievalOption(o.retrieval, o.applicationName),
  };
}

/** Every option name, for the unknown-key check (the type makes the list complete). */
const CONSUMER_OPTION_KEYS = Object.keys({
  streamName: true,
  streamArn: true,
  processor: true,
  eachBatch: true,
  eachRecord: true,
  applicationName: true,
  leaseTableName: true,
  workerId: true,
  kinesisClient: true,
  dynamoDbClient: true,
  logger: true,
  clock: true,
  initialPosition: true,
  autoCheckpoint: true,
  maxRecords: true,
  idleTimeBetweenReadsMs: true,
  minGetRecordsIntervalMs: true,
  maxPrefetchedBytes: true,
  fetchRetryBaseDelayMs: true,
  fetchRetryMaxDelayMs: true,
  onProcessorError: true,
  processorRetryBaseDelayMs: true,
  processorRetryMaxDelayMs: true,
  maxConcurrentBatches: true,
  parentShardPollIntervalMs: true,
  schedulerTickMs: true,
  keepProcessAlive: true,
  stopTimeoutMs: true,
  failoverTimeMs: true,
  leaseOptions: true,
  retrieval: true,
  metrics: true,
  tracing: true,
  stuckShardThresholdMs: true,
} satisfies Record<
  keyof KinesisConsumerSettings | 'streamName' | 'streamArn' | 'processor' | 'eachBatch' | 'eachRecord',
  true
>);

const AUTO_CHECKPOINT_KEYS = Object.keys({ everyRecords: true, everyMs: true } satisfies Record<
  keyof AutoCheckpointOptions,
  true
>);

/** DynamoDB's rule for table names. */
const TABLE_NAME_RULE = 'a name of 3-255 letters, digits, `_`, `.` or `-`';

function isTableName(name: unknown): boolean {
  return typeof name === 'string' && /^[a-zA-Z0-9_.-]{3,255}$/.test(name);
}

function integer(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
}

function defaultWorkerId(): string {
  const host = process.env.HOSTNAME ?? 'worker';
  return `${host}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
}
