/** CloudWatch units used by kinesis-kit metrics (CloudWatch `StandardUnit` names). */
export const MetricUnit = {
  COUNT: 'Count',
  BYTES: 'Bytes',
  MILLISECONDS: 'Milliseconds',
  NONE: 'None',
} as const;
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * How a metric's samples combine. `counter`: a sum over time (records put, errors); `gauge`: a level sampled once
 * per interval (records pending, leases held); `distribution`: one sample per event whose spread matters (buffering
 * time, lag), kept as count/sum/min/max plus up to 100 raw samples per interval.
 */
export const MetricKind = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  DISTRIBUTION: 'distribution',
} as const;
export type MetricKind = (typeof MetricKind)[keyof typeof MetricKind];

/** The OpenTelemetry instrument a metric maps to (the KCL 3.5 OpenTelemetry backend's choice, see docs). */
export const OtelInstrument = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  HISTOGRAM: 'histogram',
} as const;
export type OtelInstrument = (typeof OtelInstrument)[keyof typeof OtelInstrument];

/** One metric: its KPL/KCL name, unit, level, kind and meaning. */
export interface MetricDefinition {
  /** The KPL or KCL name (`UserRecordsPut`, `MillisBehindLatest`, …), as published to CloudWatch. */
  readonly name: string;
  readonly unit: MetricUnit;
  /** `SUMMARY` or `DETAILED`. */
  readonly level: 'SUMMARY' | 'DETAILED';
  readonly kind: MetricKind;
  /** The OpenTelemetry instrument: gauges are gauges, `Count` metrics counters, the rest histograms (as KCL 3.5). */
  readonly otel: OtelInstrument;
  /** One sentence: what it counts or measures. */
  readonly description: string;
}

/** A name–value pair that identifies a metric together with its name (a CloudWatch dimension). */
export interface Dimension {
  readonly name: string;
  readonly value: string;
}
