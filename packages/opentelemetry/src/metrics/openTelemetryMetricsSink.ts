import type { MetricDatum, MetricSeries, MetricsBatch, MetricsSink, MetricsSource } from '@kinesis-kit/commons';
import { rejectUnknownOptions } from '@kinesis-kit/commons';
import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableGauge,
  type ObservableResult,
} from '@opentelemetry/api';
import { toAttributes, ucumUnit } from '../names/otelAttributes.js';
import { otelMetricName } from '../names/otelMetricName.js';
import { Attr, MESSAGING_SYSTEM } from '../semconv.js';

/** Options of {@link openTelemetryMetricsSink}. */
export interface OpenTelemetryMetricsSinkOptions {
  /** @default the global MeterProvider (`metrics.getMeterProvider()`), i.e. your SDK's once registered */
  meterProvider?: MeterProvider;
  /**
   * Also record the OpenTelemetry messaging semantic-convention metrics (`messaging.client.sent.messages`,
   * `messaging.client.consumed.messages`, `messaging.client.operation.duration`, `messaging.process.duration`).
   * @default true
   */
  messagingMetrics?: boolean;
}

const METRICS_SINK_OPTION_KEYS = Object.keys({
  meterProvider: true,
  messagingMetrics: true,
} satisfies Record<keyof OpenTelemetryMetricsSinkOptions, true>);

/** Instrumentation scope name of the meter. */
export const METER_NAME = '@kinesis-kit/opentelemetry';

/** Standard messaging metrics derived from KPL/KCL ones: [semconv name, instrument, unit, operation]. */
const MESSAGING: Readonly<Record<string, { name: string; unit: string; seconds: boolean; operation: string }>> = {
  UserRecordsPut: { name: 'messaging.client.sent.messages', unit: '{message}', seconds: false, operation: 'send' },
  RecordsProcessed: {
    name: 'messaging.client.consumed.messages',
    unit: '{message}',
    seconds: false,
    operation: 'process',
  },
  RequestTime: { name: 'messaging.client.operation.duration', unit: 's', seconds: true, operation: 'send' },
  'RecordProcessor.processRecords.Time': {
    name: 'messaging.process.duration',
    unit: 's',
    seconds: true,
    operation: 'process',
  },
};

/**
 * A sink recording kinesis-kit's metrics on OpenTelemetry instruments of your MeterProvider (the API only: your SDK
 * aggregates and exports). Names and attributes are the KCL 3.5 OpenTelemetry backend's (`aws.kinesis.client.*`;
 * `aws.kinesis.operation`, `aws.kinesis.shard.id`, `aws.kinesis.stream_name`); gauges are gauges, `Count` metrics
 * counters (the interval's sum, added once per interval), the rest histograms (every sample, as it happens).
 * Only the finest copy of each metric is recorded: OpenTelemetry backends aggregate over attributes themselves, so
 * the stream and global rollups CloudWatch needs would be counted twice here.
 */
export function openTelemetryMetricsSink(options: OpenTelemetryMetricsSinkOptions = {}): MetricsSink {
  rejectUnknownOptions(options, METRICS_SINK_OPTION_KEYS);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(METER_NAME);
  return new OpenTelemetryMetrics(meter, options.messagingMetrics ?? true);
}

class OpenTelemetryMetrics implements MetricsSink {
  readonly #meter: Meter;
  readonly #messaging: boolean;
  readonly #counters = new Map<string, Counter>();
  readonly #histograms = new Map<string, Histogram>();
  readonly #gauges = new Map<string, { gauge: ObservableGauge; values: Map<string, [number, Attributes]> }>();
  /** Attributes (and instruments) per series: computed once, looked up per sample. */
  readonly #seriesCache = new WeakMap<
    MetricSeries,
    { histogram: Histogram; attributes: Attributes; messaging: Histogram | undefined; messagingAttributes: Attributes }
  >();

  constructor(meter: Meter, messaging: boolean) {
    this.#meter = meter;
    this.#messaging = messaging;
  }

  publish(batch: MetricsBatch): void {
    for (const datum of batch.data) {
      if (datum.rollup) continue;
      if (datum.otel === 'counter') {
        const attributes = this.#attributes(datum.dimensions, batch.source);
        this.#counter(datum.name, ucumUnit(datum.unit)).add(datum.sum, attributes);
        const messaging = this.#messaging ? MESSAGING[datum.name] : undefined;
        if (messaging !== undefined)
          this.#counter(messaging.name, messaging.unit, true).add(
            datum.sum,
            messagingAttributes(batch.source, datum, messaging.operation),
          );
      } else if (datum.otel === 'gauge') this.#setGauge(datum, batch.source);
      // Histograms were recorded sample by sample (observe).
    }
  }

  observe(series: MetricSeries, value: number, source: MetricsSource): void {
    if (series.rollup) return;
    let cached = this.#seriesCache.get(series);
    if (cached === undefined) {
      const { definition } = series;
      const messaging = this.#messaging ? MESSAGING[definition.name] : undefined;
      cached = {
        histogram: this.#histogram(otelMetricName(definition.name), ucumUnit(definition.unit)),
        attributes: this.#attributes(series.dimensions, source),
        messaging: messaging === undefined ? undefined : this.#histogram(messaging.name, messaging.unit),
        messagingAttributes:
          messaging === undefined
            ? {}
            : messagingAttributes(source, { dimensions: series.dimensions }, messaging.operation),
      };
      this.#seriesCache.set(series, cached);
    }
    cached.histogram.record(value, cached.attributes);
    // Semantic-convention durations are in seconds.
    cached.messaging?.record(value / 1000, cached.messagingAttributes);
  }

  #attributes(dimensions: MetricDatum['dimensions'], source: MetricsSource): Attributes {
    const extra: Record<string, string> = {};
    if (source.streamName !== undefined) extra[Attr.AWS_KINESIS_STREAM_NAME] = source.streamName;
    return toAttributes(dimensions, extra);
  }

  #counter(name: string, unit: string, verbatim = false): Counter {
    const key = verbatim ? name : otelMetricName(name);
    let counter = this.#counters.get(key);
    if (counter === undefined) {
      counter = this.#meter.createCounter(key, { unit });
      this.#counters.set(key, counter);
    }
    return counter;
  }

  #histogram(name: string, unit: string): Histogram {
    let histogram = this.#histograms.get(name);
    if (histogram === undefined) {
      histogram = this.#meter.createHistogram(name, { unit });
      this.#histograms.set(name, histogram);
    }
    return histogram;
  }

  #setGauge(datum: MetricDatum, source: MetricsSource): void {
    const name = otelMetricName(datum.name);
    let entry = this.#gauges.get(name);
    if (entry === undefined) {
      const values = new Map<string, [number, Attributes]>();
      const gauge = this.#meter.createObservableGauge(name, { unit: ucumUnit(datum.unit) });
      gauge.addCallback((result: ObservableResult) => {
        for (const [value, attributes] of values.values()) result.observe(value, attributes);
      });
      entry = { gauge, values };
      this.#gauges.set(name, entry);
    }
    const attributes = this.#attributes(datum.dimensions, source);
    entry.values.set(JSON.stringify(attributes), [datum.max, attributes]);
  }
}

function messagingAttributes(
  source: MetricsSource,
  datum: Pick<MetricDatum, 'dimensions'>,
  operation: string,
): Attributes {
  const attributes: Attributes = {
    [Attr.MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
    [Attr.MESSAGING_OPERATION_NAME]: operation,
  };
  if (source.streamName !== undefined) attributes[Attr.MESSAGING_DESTINATION_NAME] = source.streamName;
  const shard = datum.dimensions.find((d) => d.name === 'ShardId');
  if (shard !== undefined) attributes[Attr.MESSAGING_DESTINATION_PARTITION_ID] = shard.value;
  if (source.applicationName !== undefined) attributes[Attr.MESSAGING_CONSUMER_GROUP_NAME] = source.applicationName;
  return attributes;
}
