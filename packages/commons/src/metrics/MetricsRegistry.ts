import { type Dimension, type MetricDefinition, OtelInstrument } from './MetricDefinition.js';
import { type MetricHandle, MetricSeries, metricHandle, NO_METRIC } from './MetricSeries.js';
import { levelIncludes, type MetricsGranularity, type MetricsLevel } from './MetricsLevel.js';
import type { MetricDatum } from './MetricsSink.js';

interface Gauge {
  definition: MetricDefinition;
  dimensions: readonly Dimension[];
  read: () => number | undefined;
  rollup: boolean;
  /** For totals ({@link MetricsRegistry.total}): the reading at the previous interval; undefined for gauges. */
  last: number | undefined;
}

/** Options of {@link MetricsRegistry}. */
export interface MetricsRegistryOptions {
  level: MetricsLevel;
  granularity: MetricsGranularity;
  /** Added to every metric's dimensions (after the built-in ones). */
  dimensions: readonly Dimension[];
}

/**
 * The series of one producer or consumer, by metric and dimensions. Components ask it for {@link MetricHandle}s once
 * (per shard, per stream) and record through them; the publisher drains it once per interval. Metrics above the
 * configured level get the no-op handle, so they cost one call and nothing else.
 */
export class MetricsRegistry {
  readonly level: MetricsLevel;
  readonly granularity: MetricsGranularity;
  readonly #extra: readonly Dimension[];
  readonly #series = new Map<string, MetricSeries>();
  readonly #gauges = new Map<string, Gauge>();
  /** Series no longer recorded to: drained once more, then forgotten. */
  #retired: MetricSeries[] = [];
  #observer: ((series: MetricSeries, value: number) => void) | undefined;

  constructor(options: MetricsRegistryOptions) {
    this.level = options.level;
    this.granularity = options.granularity;
    this.#extra = options.dimensions;
  }

  /** Whether `definition` is published at the configured level. */
  includes(definition: MetricDefinition): boolean {
    return levelIncludes(this.level, definition.level);
  }

  /** The series of `definition` with `dimensions` (plus the configured extra ones); created on first use. */
  series(definition: MetricDefinition, dimensions: readonly Dimension[], rollup = false): MetricSeries {
    const all = this.#extra.length === 0 ? dimensions : [...dimensions, ...this.#extra];
    const key = seriesKey(definition.name, all);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new MetricSeries(definition, all, rollup);
      if (definition.otel === OtelInstrument.HISTOGRAM) series.observer = this.#observer;
      this.#series.set(key, series);
    }
    return series;
  }

  /**
   * A handle recording into one series per dimension set of `levels`, finest first (e.g. shard, stream, global: the
   * later ones are rollups); the no-op handle when the metric is above the configured level.
   */
  handle(definition: MetricDefinition, levels: readonly (readonly Dimension[])[]): MetricHandle {
    if (!this.includes(definition)) return NO_METRIC;
    return metricHandle(levels.map((dimensions, i) => this.series(definition, dimensions, i > 0)));
  }

  /** Samples `read()` once per interval (skipped when it returns undefined). Replaces a gauge with the same key. */
  gauge(
    definition: MetricDefinition,
    dimensions: readonly Dimension[],
    read: () => number | undefined,
    rollup = false,
  ): void {
    if (!this.includes(definition)) return;
    const all = this.#extra.length === 0 ? dimensions : [...dimensions, ...this.#extra];
    this.#gauges.set(seriesKey(definition.name, all), { definition, dimensions: all, read, rollup, last: undefined });
  }

  /**
   * A counter kept elsewhere as a running total (read once per interval; what it grew by is the interval's value):
   * costs the data path nothing.
   */
  total(definition: MetricDefinition, dimensions: readonly Dimension[], read: () => number, rollup = false): void {
    if (!this.includes(definition)) return;
    const all = this.#extra.length === 0 ? dimensions : [...dimensions, ...this.#extra];
    this.#gauges.set(seriesKey(definition.name, all), { definition, dimensions: all, read, rollup, last: read() });
  }

  /**
   * Forgets the series and gauges that have every one of `dimensions` (a shard no longer written or read); drained
   * once more first.
   */
  retire(...dimensions: readonly Dimension[]): void {
    const matches = (own: readonly Dimension[]) =>
      dimensions.every((dimension) => own.some((d) => d.name === dimension.name && d.value === dimension.value));
    for (const [key, series] of this.#series) {
      if (matches(series.dimensions)) {
        this.#series.delete(key);
        this.#retired.push(series);
      }
    }
    for (const [key, gauge] of this.#gauges) {
      if (matches(gauge.dimensions)) this.#gauges.delete(key);
    }
  }

  /** Routes every distribution sample to `observer` (or stops, with undefined). */
  observe(observer: ((series: MetricSeries, value: number) => void) | undefined): void {
    this.#observer = observer;
    for (const series of this.#series.values()) {
      if (series.definition.otel === OtelInstrument.HISTOGRAM) series.observer = observer;
    }
  }

  /** The interval's data (series that recorded something, gauges that have a value); starts the next interval. */
  collect(): MetricDatum[] {
    const data: MetricDatum[] = [];
    const retired = this.#retired;
    this.#retired = [];
    for (const series of [...this.#series.values(), ...retired]) {
      const window = series.drain();
      if (window === undefined) continue;
      const { definition } = series;
      data.push({
        name: definition.name,
        unit: definition.unit,
        kind: definition.kind,
        otel: definition.otel,
        dimensions: series.dimensions,
        rollup: series.rollup,
        ...window,
      });
    }
    for (const gauge of this.#gauges.values()) {
      let value: number | undefined;
      try {
        value = gauge.read();
      } catch {
        value = undefined;
      }
      if (value === undefined || !Number.isFinite(value)) continue;
      const { definition } = gauge;
      if (gauge.last !== undefined) {
        const grown = value - gauge.last;
        gauge.last = value;
        if (grown <= 0) continue;
        value = grown;
      }
      data.push({
        name: definition.name,
        unit: definition.unit,
        kind: definition.kind,
        otel: definition.otel,
        dimensions: gauge.dimensions,
        rollup: gauge.rollup,
        count: 1,
        sum: value,
        min: value,
        max: value,
        values: undefined,
      });
    }
    return data;
  }
}

function seriesKey(name: string, dimensions: readonly Dimension[]): string {
  let key = name;
  for (const { name: n, value } of dimensions) key += `\u0000${n}\u0001${value}`;
  return key;
}
