import { InvalidOptionError } from '../errors.js';
import { rejectUnknownOptions } from '../options/rejectUnknownOptions.js';
import type { Dimension } from './MetricDefinition.js';
import { MetricsGranularity, MetricsLevel } from './MetricsLevel.js';
import type { MetricsSink } from './MetricsSink.js';

/**
 * Publishing metrics: the `metrics` option of the producer and the consumer. Nothing is published, and nothing is
 * recorded beyond the `metrics()` snapshot, unless `sinks` has at least one sink.
 */
export interface MetricsOptions {
  /** Where metrics go: `emfSink()`, `cloudWatchSink()`, `openTelemetryMetricsSink()`, your own. @default [] */
  sinks?: readonly MetricsSink[];
  /**
   * Metrics at this level and below are published (see docs/observability.md for each metric's level). The KPL and
   * the KCL default to `DETAILED`; every metric × dimension set is a billed CloudWatch metric, so we publish the
   * ones operators alarm on unless asked for more.
   * @default 'SUMMARY'
   */
  level?: MetricsLevel;
  /** Per shard, per stream and global copies (`SHARD`), or fewer (KPL `MetricsGranularity`). @default 'SHARD' */
  granularity?: MetricsGranularity;
  /** How often the interval's data goes to the sinks. @default 60000 (the KPL's upload delay) */
  intervalMs?: number;
  /**
   * CloudWatch namespace. @default 'KinesisProducerLibrary' for the producer (the KPL's), the application name for
   * the consumer (the KCL's)
   */
  namespace?: string;
  /** Dimensions added to every metric, e.g. `{ Environment: 'prod' }` (at most 27). @default {} */
  dimensions?: Readonly<Record<string, string>>;
}

export interface ResolvedMetricsOptions {
  readonly sinks: readonly MetricsSink[];
  readonly level: MetricsLevel;
  readonly granularity: MetricsGranularity;
  readonly intervalMs: number;
  readonly namespace: string;
  readonly dimensions: readonly Dimension[];
}

export const DEFAULT_METRICS_OPTIONS = Object.freeze({
  level: MetricsLevel.SUMMARY,
  granularity: MetricsGranularity.SHARD,
  intervalMs: 60_000,
});

const METRICS_OPTION_KEYS = Object.keys({
  sinks: true,
  level: true,
  granularity: true,
  intervalMs: true,
  namespace: true,
  dimensions: true,
} satisfies Record<keyof MetricsOptions, true>);

/** CloudWatch namespace characters (and EMF's pattern). */
export const NAMESPACE_PATTERN = /^[a-zA-Z0-9._#:/-]{1,255}$/;
/** Built-in dimensions a metric may carry at most (stream, shard, error code / operation). */
const BUILT_IN_DIMENSIONS = 3;
/** CloudWatch and EMF: 30 dimensions per metric. */
export const MAX_DIMENSIONS = 30;

/**
 * Validates `options.metrics`; undefined when nothing is to be published (no sinks, or level `NONE`), so callers
 * can skip every metrics structure.
 */
export function resolveMetricsOptions(
  options: MetricsOptions | undefined,
  defaultNamespace: string,
): ResolvedMetricsOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('metrics', 'an object', options);
  rejectUnknownOptions(options, METRICS_OPTION_KEYS, 'metrics');
  const sinks = options.sinks ?? [];
  if (!Array.isArray(sinks) || sinks.some((sink) => typeof sink?.publish !== 'function'))
    throw new InvalidOptionError('metrics.sinks', 'an array of sinks (objects with publish())', sinks);
  const level = options.level ?? DEFAULT_METRICS_OPTIONS.level;
  if (!Object.values(MetricsLevel).includes(level))
    throw new InvalidOptionError('metrics.level', "'NONE', 'SUMMARY' or 'DETAILED'", level);
  const granularity = options.granularity ?? DEFAULT_METRICS_OPTIONS.granularity;
  if (!Object.values(MetricsGranularity).includes(granularity))
    throw new InvalidOptionError('metrics.granularity', "'GLOBAL', 'STREAM' or 'SHARD'", granularity);
  const intervalMs = options.intervalMs ?? DEFAULT_METRICS_OPTIONS.intervalMs;
  if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs < 100 || intervalMs > 3_600_000)
    throw new InvalidOptionError('metrics.intervalMs', 'an integer from 100 to 3600000', intervalMs);
  const namespace = options.namespace ?? defaultNamespace;
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace))
    throw new InvalidOptionError(
      'metrics.namespace',
      `a CloudWatch namespace matching ${NAMESPACE_PATTERN}`,
      namespace,
    );
  const dimensions = Object.entries(options.dimensions ?? {}).map(([name, value]) => ({ name, value }));
  if (dimensions.length > MAX_DIMENSIONS - BUILT_IN_DIMENSIONS)
    throw new InvalidOptionError(
      'metrics.dimensions',
      `at most ${MAX_DIMENSIONS - BUILT_IN_DIMENSIONS} dimensions`,
      dimensions.length,
    );
  for (const { name, value } of dimensions) {
    if (name.length === 0 || name.length > 250 || name === '_aws' || typeof value !== 'string' || value.length === 0)
      throw new InvalidOptionError(
        `metrics.dimensions.${name}`,
        'a non-empty string value under a 1-250 character name',
        value,
      );
  }
  if (sinks.length === 0 || level === MetricsLevel.NONE) return undefined;
  return Object.freeze({ sinks: [...sinks], level, granularity, intervalMs, namespace, dimensions });
}
