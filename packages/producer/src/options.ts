import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type Clock,
  defaultLogger,
  InvalidOptionError,
  type Logger,
  type MetricsOptions,
  type ProducerTracing,
  type ResolvedMetricsOptions,
  rejectUnknownOptions,
  resolveMetricsOptions,
  systemClock,
} from '@kinesis-kit/commons';

/** Which stream a producer writes to: by name or by ARN, exactly one. */
export type ProducerStream =
  | {
      /** The stream to write to. */
      streamName: string;
      streamArn?: undefined;
    }
  | {
      /** The stream's ARN (used instead of the name in every call). */
      streamArn: string;
      streamName?: undefined;
    };

/**
 * Options of {@link KinesisProducer}: the stream (`streamName` or `streamArn`, exactly one) and the
 * {@link ProducerSettings}. Defaults are the KPL's where the KPL has the setting.
 */
export type ProducerOptions = ProducerStream & ProducerSettings;

/** Every option of {@link KinesisProducer} but the stream; each has a default. */
export interface ProducerSettings {
  /**
   * The client used for `ListShards` and `PutRecords`. Give it `maxAttempts: 1`: the producer owns retries.
   * @default a client from the environment (region, credentials, `AWS_ENDPOINT_URL_KINESIS`, …) over HTTP/1.1
   * keep-alive, `maxConnections` connections, `maxAttempts: 1` (destroyed by close())
   */
  kinesisClient?: KinesisClient;
  /** Warnings and errors go to stderr as JSON lines; pass `silentLogger()` for none, or any pino logger. @default defaultLogger() */
  logger?: Logger;
  /**
   * Publish the KPL's metrics (`UserRecordsPut`, `ErrorsByCode`, `BufferingTime`, …) to sinks: `emfSink()`,
   * `cloudWatchSink()`, `openTelemetryMetricsSink()`. Without sinks nothing is recorded beyond `metrics()`.
   * See docs/observability.md. @default undefined (none)
   */
  metrics?: MetricsOptions;
  /**
   * Trace each PutRecords request (a span per send): `openTelemetryTracing()` from `@kinesis-kit/opentelemetry`.
   * @default undefined (none)
   */
  tracing?: ProducerTracing;
  /** Time source (tests). @default systemClock */
  clock?: Clock;
  /** Random numbers in [0, 1) for backoff jitter (tests). @default Math.random */
  random?: () => number;
  /** Pack user records into KPL aggregated records (KPL `AggregationEnabled`). @default true */
  aggregationEnabled?: boolean;
  /** Most user records per aggregated record (KPL `AggregationMaxCount`). @default 4294967295 */
  aggregationMaxCount?: number;
  /** Most bytes of an aggregated record (KPL `AggregationMaxSize`). @default 51200 */
  aggregationMaxBytes?: number;
  /** Most Kinesis records per PutRecords (KPL `CollectionMaxCount`); Kinesis allows 500. @default 500 */
  collectionMaxCount?: number;
  /** Most bytes (data + partition keys) per PutRecords (KPL `CollectionMaxSize`); Kinesis allows 5 MiB. @default 5242880 */
  collectionMaxBytes?: number;
  /** Largest record: data + partition key bytes (Kinesis: 1 MiB). @default 1048576 */
  maxRecordBytes?: number;
  /** Longest a record waits to be batched before it is sent (KPL `RecordMaxBufferedTime`). @default 100 */
  maxBufferedTimeMs?: number;
  /** A record not stored this long after it was accepted fails with `RecordExpiredError` (KPL `RecordTtl`). @default 30000 */
  recordTtlMs?: number;
  /** Concurrent PutRecords requests (KPL `MaxConnections`). @default 24 */
  maxConnections?: number;
  /** A PutRecords taking longer than this fails as a timeout and is retried (KPL `RequestTimeout`). @default 6000 */
  requestTimeoutMs?: number;
  /** Per-shard send rate as a percentage of the shard limits 1,000 records/s and 1 MiB/s (KPL `RateLimit`). @default 150 */
  rateLimit?: number;
  /** Fail throttled records at once with `RecordThrottledError` instead of retrying (KPL `FailIfThrottled`). @default false */
  failIfThrottled?: boolean;
  /**
   * PutRecords requests that may carry records of one shard at the same time. `1` turns on strict ordering: the
   * records of a partition key reach the shard in `put()` order even across retries (one Kinesis record per shard
   * per request). No KPL counterpart.
   * @default Infinity
   */
  maxInFlightPerShard?: number;
  /** Records accepted and not yet settled before `put()` waits (no KPL counterpart). @default 100000 */
  maxOutstandingRecords?: number;
  /** Bytes accepted and not yet settled before `put()` waits (no KPL counterpart). @default 104857600 */
  maxOutstandingBytes?: number;
  /** First retry delay before jitter (KPL: fixed 100 ms minimum backoff). @default 100 */
  retryBaseDelayMs?: number;
  /** Cap of the exponential retry delay. @default 5000 */
  retryMaxDelayMs?: number;
  /** Refresh the shard map this often, besides on mismatches (0: never). @default 60000 */
  shardMapRefreshIntervalMs?: number;
  /** Partition keys whose hash and route are cached (two generations, so up to twice this). @default 65536 */
  partitionKeyCacheSize?: number;
}

export type ResolvedProducerOptions = Readonly<
  Required<Omit<ProducerSettings, 'kinesisClient' | 'metrics' | 'tracing'>> & {
    streamName: string | undefined;
    streamArn: string | undefined;
    kinesisClient: KinesisClient | undefined;
    /** Undefined when nothing is published. */
    metrics: ResolvedMetricsOptions | undefined;
    tracing: ProducerTracing | undefined;
  }
>;

export const DEFAULT_PRODUCER_OPTIONS = Object.freeze({
  aggregationEnabled: true,
  aggregationMaxCount: 4_294_967_295,
  aggregationMaxBytes: 51_200,
  collectionMaxCount: 500,
  collectionMaxBytes: 5_242_880,
  maxRecordBytes: 1_048_576,
  maxBufferedTimeMs: 100,
  recordTtlMs: 30_000,
  maxConnections: 24,
  requestTimeoutMs: 6_000,
  rateLimit: 150,
  failIfThrottled: false,
  maxInFlightPerShard: Number.POSITIVE_INFINITY,
  maxOutstandingRecords: 100_000,
  maxOutstandingBytes: 104_857_600,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5_000,
  shardMapRefreshIntervalMs: 60_000,
  partitionKeyCacheSize: 65_536,
});

/** Every option name, for the unknown-key check (the type makes this list complete). */
const PRODUCER_OPTION_KEYS = Object.keys({
  streamName: true,
  streamArn: true,
  kinesisClient: true,
  logger: true,
  metrics: true,
  tracing: true,
  clock: true,
  random: true,
  aggregationEnabled: true,
  aggregationMaxCount: true,
  aggregationMaxBytes: true,
  collectionMaxCount: true,
  collectionMaxBytes: true,
  maxRecordBytes: true,
  maxBufferedTimeMs: true,
  recordTtlMs: true,
  maxConnections: true,
  requestTimeoutMs: true,
  rateLimit: true,
  failIfThrottled: true,
  maxInFlightPerShard: true,
  maxOutstandingRecords: true,
  maxOutstandingBytes: true,
  retryBaseDelayMs: true,
  retryMaxDelayMs: true,
  shardMapRefreshIntervalMs: true,
  partitionKeyCacheSize: true,
} satisfies Record<keyof ProducerSettings | 'streamName' | 'streamArn', true>);

type NumericOption = {
  [K in keyof typeof DEFAULT_PRODUCER_OPTIONS]: (typeof DEFAULT_PRODUCER_OPTIONS)[K] extends number ? K : never;
}[keyof typeof DEFAULT_PRODUCER_OPTIONS];

/** [min, max, integer?, Infinity allowed?] per numeric option. */
const NUMERIC_BOUNDS: Record<NumericOption, readonly [number, number, boolean]> = {
  aggregationMaxCount: [1, 4_294_967_295, true],
  aggregationMaxBytes: [64, 1_048_576 * 10, true],
  collectionMaxCount: [1, 500, true],
  collectionMaxBytes: [1, 5_242_880 * 10, true],
  maxRecordBytes: [1, 1_048_576 * 10, true],
  maxBufferedTimeMs: [0, 3_600_000, false],
  recordTtlMs: [1, Number.POSITIVE_INFINITY, false],
  maxConnections: [1, 256, true],
  requestTimeoutMs: [1, 600_000, false],
  rateLimit: [1, Number.POSITIVE_INFINITY, false],
  maxInFlightPerShard: [1, Number.POSITIVE_INFINITY, false],
  maxOutstandingRecords: [1, Number.POSITIVE_INFINITY, false],
  maxOutstandingBytes: [1, Number.POSITIVE_INFINITY, false],
  retryBaseDelayMs: [1, 600_000, false],
  retryMaxDelayMs: [1, 3_600_000, false],
  shardMapRefreshIntervalMs: [0, Number.POSITIVE_INFINITY, false],
  partitionKeyCacheSize: [1, 10_000_000, true],
};

/** Merges `options` over {@link DEFAULT_PRODUCER_OPTIONS} and validates eagerly (throws `InvalidOptionError`). */
export function resolveProducerOptions(options: ProducerOptions): ResolvedProducerOptions {
  rejectUnknownOptions(options, PRODUCER_OPTION_KEYS);
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = {
    ...DEFAULT_PRODUCER_OPTIONS,
    logger: defaultLogger(),
    clock: systemClock,
    random: Math.random,
    streamName: undefined,
    streamArn: undefined,
    kinesisClient: undefined,
    tracing: undefined,
    ...defined,
    metrics: resolveMetricsOptions(options.metrics, 'KinesisProducerLibrary'),
  } as ResolvedProducerOptions;
  const tracing = resolved.tracing;
  if (tracing !== undefined && (tracing === null || typeof tracing.startSend !== 'function'))
    throw new InvalidOptionError('tracing', 'a producer tracing (with startSend())', tracing);
  if (resolved.streamName === undefined && resolved.streamArn === undefined) {
    throw new InvalidOptionError('streamName', 'a stream name (or `streamArn` set)', undefined);
  }
  if (resolved.streamName !== undefined && resolved.streamArn !== undefined) {
    throw new InvalidOptionError('streamArn', 'unset when `streamName` is set (give one of them)', resolved.streamArn);
  }
  for (const key of ['streamName', 'streamArn'] as const) {
    const value = resolved[key];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidOptionError(key, 'a non-empty string', value);
    }
  }
  for (const key of Object.keys(NUMERIC_BOUNDS) as NumericOption[]) {
    const [min, max, integer] = NUMERIC_BOUNDS[key];
    const value: unknown = resolved[key];
    const ok =
      typeof value === 'number' &&
      !Number.isNaN(value) &&
      value >= min &&
      value <= max &&
      (!integer || Number.isInteger(value)) &&
      (Number.isFinite(value) || max === Number.POSITIVE_INFINITY);
    if (!ok) throw new InvalidOptionError(key, `a number in ${min} … ${max}${integer ? ' (integer)' : ''}`, value);
  }
  for (const key of ['aggregationEnabled', 'failIfThrottled'] as const) {
    if (typeof resolved[key] !== 'boolean') throw new InvalidOptionError(key, 'a boolean', resolved[key]);
  }
  if (resolved.retryMaxDelayMs < resolved.retryBaseDelayMs) {
    throw new InvalidOptionError(
      'retryMaxDelayMs',
      `≥ retryBaseDelayMs (${resolved.retryBaseDelayMs})`,
      resolved.retryMaxDelayMs,
    );
  }
  if (resolved.maxRecordBytes > resolved.collectionMaxBytes) {
    throw new InvalidOptionError(
      'collectionMaxBytes',
      `≥ maxRecordBytes (${resolved.maxRecordBytes})`,
      resolved.collectionMaxBytes,
    );
  }
  return Object.freeze(resolved);
}
