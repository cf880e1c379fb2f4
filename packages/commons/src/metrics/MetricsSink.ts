import type { Dimension, MetricKind, MetricUnit, OtelInstrument } from './MetricDefinition.js';
import type { MetricSeries } from './MetricSeries.js';

/** One metric with one set of dimensions over one interval: a CloudWatch statistic set, plus samples. */
export interface MetricDatum {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly kind: MetricKind;
  readonly otel: OtelInstrument;
  readonly dimensions: readonly Dimension[];
  /** A copy summing finer data of the same batch (stream or global level of a per-shard metric). */
  readonly rollup: boolean;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** Distributions: the interval's raw samples (≤ 100; a uniform sample keeping min and max beyond that). */
  readonly values: readonly number[] | undefined;
}

/** Who publishes: attributes a sink may add (OpenTelemetry) besides each datum's dimensions. */
export interface MetricsSource {
  /** `producer` or `consumer`. */
  readonly component: 'producer' | 'consumer';
  readonly streamName: string | undefined;
  /** The consumer's application name (the KCL's namespace and lease table). */
  readonly applicationName?: string | undefined;
  readonly workerId?: string | undefined;
}

/** What a sink receives once per interval. */
export interface MetricsBatch {
  /** CloudWatch namespace: `KinesisProducerLibrary` (producer) or the application name (consumer), unless set. */
  readonly namespace: string;
  /** End of the interval, epoch ms. */
  readonly timestamp: number;
  readonly intervalMs: number;
  readonly source: MetricsSource;
  readonly data: readonly MetricDatum[];
}

/**
 * Where metrics go: `emfSink()` (here), `cloudWatchSink()` (`@kinesis-kit/cloudwatch`), `openTelemetryMetricsSink()`
 * (`@kinesis-kit/opentelemetry`), or your own. One sink may serve several producers and consumers.
 *
 * `publish` is called once per interval from a timer, never from the data path; it must not throw (a throw is
 * logged and ignored) and must not block: do I/O asynchronously and bound what you buffer.
 */
export interface MetricsSink {
  publish(batch: MetricsBatch): void;
  /**
   * Optional: each sample of a distribution (histogram) metric as it happens — for backends that aggregate
   * themselves (OpenTelemetry). Called on the data path: keep it to a lookup and a record call.
   */
  observe?(series: MetricSeries, value: number, source: MetricsSource): void;
  /** Optional: send what is buffered. Awaited by the producer's `close()` and the consumer's `stop()`. */
  flush?(): Promise<void>;
}
