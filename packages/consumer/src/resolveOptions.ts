// Validation of `KinesisConsumerOptions`: defaults merged once, every bad value named by its option.
import {
  defaultLogger,
  InvalidOptionError,
  rejectUnknownOptions,
  resolveMetricsOptions,
  systemClock,
} from '@kinesis-kit/commons';
import { ProcessorErrorAction } from './events.js';
import { resolveRetrievalOption } from './fetch/fanOut/retrievalOptions.js';
import { resolveLeaseOptions } from './lease/leaseCoordinatorOptions.js';
import {
  type ConsumerStreams,
  DEFAULT_KINESIS_CONSUMER_OPTIONS,
  type KinesisConsumerOptions,
  type KinesisConsumerSettings,
  type ResolvedKinesisConsumerOptions,
} from './options.js';
import type { AutoCheckpointOptions } from './processor/HandlerProcessor.js';
import type { FormerStreamLeaseDeletion, StreamConfig } from './shardSync/MultiStreamSync.js';

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
  const streamChoices = [o.streamName, o.streamArn, o.streams].filter((x) => x !== undefined).length;
  if (streamChoices !== 1)
    throw new InvalidOptionError(
      'streamName',
      'set (or `streamArn`, or `streams`), and only one of them',
      o.streamName ?? o.streamArn ?? o.streams,
    );
  const streams = o.streams === undefined ? undefined : resolveStreams(o);
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
  if (!isInitialPosition(ip))
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
  const retrieval = resolveRetrievalOption(o.retrieval, o.applicationName);
  if (streams !== undefined && retrieval !== 'polling')
    throw new InvalidOptionError(
      'retrieval',
      "'polling' with `streams` (enhanced fan-out reads one stream)",
      o.retrieval,
    );
  return {
    streamName: o.streamName,
    streamArn: o.streamArn,
    streams: streams?.streams,
    streamDiscoveryIntervalMs: streams?.streamDiscoveryIntervalMs ?? d.streamDiscoveryIntervalMs,
    formerStreamLeaseDeletion: streams?.formerStreamLeaseDeletion ?? d.formerStreamLeaseDeletion,
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
    retrieval,
  };
}

/** The `streams` options: a fixed list names each stream exactly once (a tracker's result is checked per call). */
function resolveStreams(o: ConsumerStreams): Required<Pick<ConsumerStreams, 'streams'>> & {
  streamDiscoveryIntervalMs: number;
  formerStreamLeaseDeletion: FormerStreamLeaseDeletion;
} {
  const { streams } = o;
  if (typeof streams !== 'function') validateStreamList(streams);
  const streamDiscoveryIntervalMs =
    o.streamDiscoveryIntervalMs ?? DEFAULT_KINESIS_CONSUMER_OPTIONS.streamDiscoveryIntervalMs;
  integer('streamDiscoveryIntervalMs', streamDiscoveryIntervalMs, 100);
  const formerStreamLeaseDeletion =
    o.formerStreamLeaseDeletion ?? DEFAULT_KINESIS_CONSUMER_OPTIONS.formerStreamLeaseDeletion;
  if (
    formerStreamLeaseDeletion !== 'none' &&
    !(
      typeof formerStreamLeaseDeletion === 'object' &&
      Number.isInteger(formerStreamLeaseDeletion.afterMs) &&
      formerStreamLeaseDeletion.afterMs >= 0
    )
  )
    throw new InvalidOptionError(
      'formerStreamLeaseDeletion',
      "'none' or { afterMs: an integer ≥ 0 }",
      formerStreamLeaseDeletion,
    );
  return { streams, streamDiscoveryIntervalMs, formerStreamLeaseDeletion };
}

function validateStreamList(streams: readonly StreamConfig[]): void {
  if (!Array.isArray(streams) || streams.length === 0)
    throw new InvalidOptionError(
      'streams',
      'a non-empty list of { streamName } / { streamArn }, or a function',
      streams,
    );
  const seen = new Set<string>();
  for (const [i, stream] of streams.entries()) {
    const name = stream?.streamName ?? stream?.streamArn;
    if ((stream?.streamName === undefined) === (stream?.streamArn === undefined) || typeof name !== 'string')
      throw new InvalidOptionError(`streams[${i}]`, 'exactly one of `streamName` / `streamArn`', stream);
    if (seen.has(name)) throw new InvalidOptionError(`streams[${i}]`, 'a stream not listed before', name);
    seen.add(name);
    const ip = stream.initialPosition;
    if (ip !== undefined && !isInitialPosition(ip))
      throw new InvalidOptionError(
        `streams[${i}].initialPosition`,
        "'TRIM_HORIZON', 'LATEST' or { timestamp: Date }",
        ip,
      );
  }
}

function isInitialPosition(ip: unknown): boolean {
  return (
    ip === 'TRIM_HORIZON' ||
    ip === 'LATEST' ||
    (typeof ip === 'object' && ip !== null && (ip as { timestamp?: unknown }).timestamp instanceof Date)
  );
}

/** Every option name, for the unknown-key check (the type makes the list complete). */
const CONSUMER_OPTION_KEYS = Object.keys({
  streamName: true,
  streamArn: true,
  streams: true,
  streamDiscoveryIntervalMs: true,
  formerStreamLeaseDeletion: true,
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
  keyof KinesisConsumerSettings | keyof ConsumerStreams | 'processor' | 'eachBatch' | 'eachRecord',
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
