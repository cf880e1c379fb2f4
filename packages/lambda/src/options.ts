import {
  type BatchTracing,
  defaultLogger,
  InvalidOptionError,
  type Logger,
  rejectUnknownOptions,
} from '@kinesis-kit/commons';

/** What happens to the other records of a shard after one fails. */
export const ContinueOnFailure = {
  /** Stop at the first failure: later records of the shard are not processed (they are redelivered by the retry). */
  NEVER: 'never',
  /**
   * Keep processing records of other partition keys; a failed key's later records are skipped. Lambda still retries
   * from the earliest failure, so records of other keys after it are delivered again: the handler must be idempotent.
   */
  OTHER_PARTITION_KEYS: 'other-partition-keys',
} as const;
export type ContinueOnFailure = (typeof ContinueOnFailure)[keyof typeof ContinueOnFailure];

/** Options shared by the per-record and per-batch processors. */
export interface KinesisBatchOptions {
  /**
   * When no record succeeded and at least one failed, throw {@link FullBatchFailureError} instead of returning the
   * partial response (Powertools' `throwOnFullBatchFailure`). Lambda retries the same records either way; a thrown
   * error also counts as a function error and lets `BisectBatchOnFunctionError` split the batch.
   * @default true
   */
  throwOnFullBatchFailure?: boolean;
  /**
   * Treat a Kinesis record that starts with the KPL magic but is not a valid aggregate as a failure (reported, so
   * Lambda retries it until the mapping's retry limits). When false it is passed to the handler whole, as one
   * non-aggregated record, as the KCL and `@kinesis-kit/aggregation` do by default, and a warning is logged.
   * @default false
   */
  strictDeaggregation?: boolean;
  /**
   * Verify the MD5 trailer of aggregated records.
   * @default true
   */
  verifyChecksum?: boolean;
  /**
   * Stop starting records once the Lambda context reports fewer than this many milliseconds left; the records not
   * started are reported for retry, instead of the whole batch being retried after a timeout. 0 turns it off.
   * Needs the Lambda context (the wrappers pass it on).
   * @default 0
   */
  remainingTimeMarginMs?: number;
  /** Warnings and errors go to stderr as JSON lines (CloudWatch Logs in Lambda); `silentLogger()` for none. @default defaultLogger() */
  logger?: Logger;
  /**
   * A span per shard batch, linked to the producers' spans of the records that carry a trace context (and the records
   * handed to your function without the envelope): `openTelemetryTracing()` from `@kinesis-kit/opentelemetry`.
   * @default undefined (none)
   */
  tracing?: BatchTracing | undefined;
}

/** Options of the per-record processor ({@link processKinesisEvent}, {@link kinesisHandler}). */
export interface KinesisRecordOptions extends KinesisBatchOptions {
  /**
   * What happens to the shard's other records after one fails.
   * @default 'never'
   */
  continueOnFailure?: ContinueOnFailure;
  /**
   * How many user records may be processed at once. Records of one partition key always run one at a time, in
   * sequence order; above 1, records of different keys overlap (started in sequence order).
   * @default 1
   */
  concurrency?: number;
}

export type ResolvedKinesisRecordOptions = Readonly<Required<KinesisRecordOptions>>;
export type ResolvedKinesisBatchOptions = Readonly<Required<KinesisBatchOptions>>;

/** The defaults of {@link KinesisRecordOptions}. */
export const DEFAULT_KINESIS_RECORD_OPTIONS: Readonly<Required<KinesisRecordOptions>> = Object.freeze({
  continueOnFailure: ContinueOnFailure.NEVER,
  concurrency: 1,
  throwOnFullBatchFailure: true,
  strictDeaggregation: false,
  verifyChecksum: true,
  remainingTimeMarginMs: 0,
  logger: defaultLogger(),
  tracing: undefined,
});

const BATCH_OPTION_KEY_SET = {
  throwOnFullBatchFailure: true,
  strictDeaggregation: true,
  verifyChecksum: true,
  remainingTimeMarginMs: true,
  logger: true,
  tracing: true,
} satisfies Record<keyof KinesisBatchOptions, true>;
const BATCH_OPTION_KEYS = Object.keys(BATCH_OPTION_KEY_SET);
const RECORD_OPTION_KEYS = Object.keys({
  ...BATCH_OPTION_KEY_SET,
  continueOnFailure: true,
  concurrency: true,
} satisfies Record<keyof KinesisRecordOptions, true>);

/** Merges `options` over {@link DEFAULT_KINESIS_RECORD_OPTIONS}; throws `InvalidOptionError`. */
export function resolveKinesisRecordOptions(options: KinesisRecordOptions = {}): ResolvedKinesisRecordOptions {
  rejectUnknownOptions(options, RECORD_OPTION_KEYS);
  const resolved = { ...DEFAULT_KINESIS_RECORD_OPTIONS, ...defined(options) };
  const { continueOnFailure, concurrency } = resolved;
  if (continueOnFailure !== ContinueOnFailure.NEVER && continueOnFailure !== ContinueOnFailure.OTHER_PARTITION_KEYS) {
    throw new InvalidOptionError('continueOnFailure', "'never' or 'other-partition-keys'", continueOnFailure);
  }
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new InvalidOptionError('concurrency', 'an integer in 1 … 10000', concurrency);
  }
  checkShared(resolved);
  return Object.freeze(resolved);
}

/** Merges `options` over the defaults of the shared options; throws `InvalidOptionError`. */
export function resolveKinesisBatchOptions(options: KinesisBatchOptions = {}): ResolvedKinesisBatchOptions {
  rejectUnknownOptions(options, BATCH_OPTION_KEYS);
  const { continueOnFailure: _c, concurrency: _n, ...shared } = DEFAULT_KINESIS_RECORD_OPTIONS;
  const resolved = { ...shared, ...defined(options) };
  checkShared(resolved);
  return Object.freeze(resolved);
}

function checkShared(resolved: Required<KinesisBatchOptions>): void {
  for (const key of ['throwOnFullBatchFailure', 'strictDeaggregation', 'verifyChecksum'] as const) {
    if (typeof resolved[key] !== 'boolean') throw new InvalidOptionError(key, 'a boolean', resolved[key]);
  }
  const margin = resolved.remainingTimeMarginMs;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
    throw new InvalidOptionError('remainingTimeMarginMs', 'a finite number ≥ 0', margin);
  }
  const tracing = resolved.tracing;
  if (tracing !== undefined && (tracing === null || typeof tracing.traceBatch !== 'function'))
    throw new InvalidOptionError('tracing', 'a batch tracing (with traceBatch())', tracing);
  const logger = resolved.logger;
  if (logger === null || typeof logger !== 'object' || typeof logger.child !== 'function') {
    throw new InvalidOptionError('logger', 'a logger (pino-like, with child())', logger);
  }
}

function defined<T extends object>(options: T): Partial<T> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
