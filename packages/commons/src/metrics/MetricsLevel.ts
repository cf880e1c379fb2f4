/**
 * How many metrics are published (the KPL's `MetricsLevel`, the KCL's `metricsLevel`): every metric has a level,
 * and only those at or below the configured one are published. `NONE` publishes nothing.
 */
export const MetricsLevel = {
  NONE: 'NONE',
  SUMMARY: 'SUMMARY',
  DETAILED: 'DETAILED',
} as const;
export type MetricsLevel = (typeof MetricsLevel)[keyof typeof MetricsLevel];

const RANK: Readonly<Record<MetricsLevel, number>> = { NONE: 0, SUMMARY: 1, DETAILED: 2 };

/** Whether a metric of level `metric` is published when `configured` is the level. */
export function levelIncludes(configured: MetricsLevel, metric: MetricsLevel): boolean {
  return metric !== MetricsLevel.NONE && RANK[metric] <= RANK[configured];
}

/**
 * At which levels of detail each metric is also published (the KPL's `MetricsGranularity`). `SHARD` publishes a
 * per-shard metric three times: with the shard's dimensions, with the stream's only, and with none (global); `STREAM`
 * drops the per-shard copy, `GLOBAL` keeps only the last. Metrics that are not per shard by nature stop at their level.
 */
export const MetricsGranularity = {
  GLOBAL: 'GLOBAL',
  STREAM: 'STREAM',
  SHARD: 'SHARD',
} as const;
export type MetricsGranularity = (typeof MetricsGranularity)[keyof typeof MetricsGranularity];

const GRANULARITY_RANK: Readonly<Record<MetricsGranularity, number>> = { GLOBAL: 0, STREAM: 1, SHARD: 2 };

/** Whether a copy of a metric at `level` of detail is published when `configured` is the granularity. */
export function granularityIncludes(configured: MetricsGranularity, level: MetricsGranularity): boolean {
  return GRANULARITY_RANK[level] <= GRANULARITY_RANK[configured];
}
