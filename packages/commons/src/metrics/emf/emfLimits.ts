/**
 * CloudWatch embedded metric format limits (the EMF specification, and awslabs/aws-embedded-metrics-node
 * `src/Constants.ts`).
 */
export const EMF_LIMITS = Object.freeze({
  /** MetricDefinition objects in one directive (one event). */
  maxMetricsPerEvent: 100,
  /** Dimension keys in one DimensionSet. */
  maxDimensionsPerSet: 30,
  /** Members of a metric's value array. */
  maxValuesPerMetric: 100,
  maxDimensionNameLength: 250,
  maxDimensionValueLength: 1024,
  maxNamespaceLength: 256,
  /** A log event is at most 256 KB (some regions' docs say 1 MB): we stay well under the smaller. */
  maxEventBytes: 200_000,
});

/** EMF's namespace pattern. */
export const EMF_NAMESPACE_PATTERN = /^[a-zA-Z0-9._#:/-]+$/;
