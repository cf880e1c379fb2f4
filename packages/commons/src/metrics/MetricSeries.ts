import { type Dimension, type MetricDefinition, MetricKind } from './MetricDefinition.js';

/** Raw samples a distribution keeps per interval: the EMF limit of values per metric. */
export const MAX_SAMPLES = 100;

/** What a series hands the publisher at the end of an interval. */
export interface SeriesWindow {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Distributions only: the interval's samples (all of them up to 100; else a uniform sample with min and max). */
  values: number[] | undefined;
}

/**
 * One metric with one set of dimensions: the statistics of the current interval (count, sum, min, max — a
 * CloudWatch statistic set) and, for distributions, up to {@link MAX_SAMPLES} raw samples. `add` is the hot path:
 * a few arithmetic operations, no allocation (the sample buffer is allocated once, at the first sample).
 */
export class MetricSeries {
  readonly definition: MetricDefinition;
  readonly dimensions: readonly Dimension[];
  /**
   * True for a copy that sums finer series (the stream and global copies of a per-shard metric): CloudWatch wants
   * them (alarms need no metric math), backends that aggregate by attributes themselves (OpenTelemetry) skip them.
   */
  readonly rollup: boolean;
  /** Set by the registry while a sink observes samples as they happen (OpenTelemetry histograms). */
  observer: ((series: MetricSeries, value: number) => void) | undefined = undefined;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  #samples: Float64Array | undefined;
  #seen = 0;
  /** xorshift state for reservoir sampling (cheaper than Math.random, deterministic per series). */
  #rng = 0x9e3779b9;

  constructor(definition: MetricDefinition, dimensions: readonly Dimension[], rollup = false) {
    this.definition = definition;
    this.dimensions = dimensions;
    this.rollup = rollup;
  }

  /** Records `weight` samples of `value` (one call per batch: `add(retries, userRecords)`). */
  add(value: number, weight = 1): void {
    this.count += weight;
    this.sum += value * weight;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.definition.kind === MetricKind.DISTRIBUTION) this.#sample(value);
    if (this.observer !== undefined) this.observer(this, value);
  }

  /** The interval's statistics, or undefined when nothing was recorded; starts the next interval. */
  drain(): SeriesWindow | undefined {
    if (this.count === 0) return undefined;
    const window: SeriesWindow = { count: this.count, sum: this.sum, min: this.min, max: this.max, values: undefined };
    if (this.#samples !== undefined && this.#seen > 0) window.values = this.#values();
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.#seen = 0;
    return window;
  }

  #sample(value: number): void {
    this.#samples ??= new Float64Array(MAX_SAMPLES);
    const seen = this.#seen++;
    if (seen < MAX_SAMPLES) {
      this.#samples[seen] = value;
      return;
    }
    // Reservoir sampling (Algorithm R): every sample of the interval is kept with probability MAX_SAMPLES / seen.
    let x = this.#rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rng = x >>> 0;
    const slot = this.#rng % (seen + 1);
    if (slot < MAX_SAMPLES) this.#samples[slot] = value;
  }

  #values(): number[] {
    const samples = this.#samples as Float64Array;
    const n = Math.min(this.#seen, MAX_SAMPLES);
    const values = Array.from(samples.subarray(0, n));
    if (this.#seen > MAX_SAMPLES) {
      // A sample: make its extremes the interval's exact extremes (what alarms on Maximum / Minimum read).
      let lo = 0;
      let hi = 0;
      for (let i = 1; i < n; i++) {
        if ((values[i] as number) < (values[lo] as number)) lo = i;
        if ((values[i] as number) > (values[hi] as number)) hi = i;
      }
      values[lo] = this.min;
      values[hi === lo ? (lo + 1) % n : hi] = this.max;
    }
    return values;
  }
}

/**
 * Where a component records one metric: every series of its granularity hierarchy (shard, stream, global) at
 * once. The no-op handle ({@link NO_METRIC}) stands in for metrics below the configured level.
 */
export interface MetricHandle {
  add(value: number, weight?: number): void;
}

/** A handle that records nothing. */
export const NO_METRIC: MetricHandle = Object.freeze({ add: () => {} });

/** A handle over one or more series (one per granularity level). */
export function metricHandle(series: readonly MetricSeries[]): MetricHandle {
  if (series.length === 0) return NO_METRIC;
  if (series.length === 1) return series[0] as MetricSeries;
  const all = [...series];
  return {
    add(value: number, weight = 1): void {
      for (let i = 0; i < all.length; i++) (all[i] as MetricSeries).add(value, weight);
    },
  };
}
