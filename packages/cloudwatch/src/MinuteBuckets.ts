import type { Dimension, MetricDatum, MetricUnit } from '@kinesis-kit/commons';

/** One metric × dimensions × minute: a CloudWatch statistic set. */
export interface Bucket {
  namespace: string;
  /** Start of the minute, epoch ms. */
  minute: number;
  name: string;
  unit: MetricUnit;
  dimensions: readonly Dimension[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

const MINUTE_MS = 60_000;

/**
 * Statistic sets aggregated by calendar minute, as the KPL and the KCL upload them: every interval's datum for the
 * same metric, dimensions and minute merges into one set. Bounded: at `capacity` sets, new keys are dropped (and
 * counted); existing keys still merge.
 */
export class MinuteBuckets {
  readonly #capacity: number;
  readonly #buckets = new Map<string, Bucket>();
  /** Datums dropped because the buckets were full. */
  dropped = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#buckets.size;
  }

  add(namespace: string, timestamp: number, datum: MetricDatum): void {
    const minute = Math.floor(timestamp / MINUTE_MS) * MINUTE_MS;
    this.merge({
      namespace,
      minute,
      name: datum.name,
      unit: datum.unit,
      dimensions: datum.dimensions,
      count: datum.count,
      sum: datum.sum,
      min: datum.min,
      max: datum.max,
    });
  }

  /** Adds a set back (or for the first time), merging with the set of the same key. */
  merge(bucket: Bucket): void {
    const key = keyOf(bucket);
    const existing = this.#buckets.get(key);
    if (existing !== undefined) {
      existing.count += bucket.count;
      existing.sum += bucket.sum;
      if (bucket.min < existing.min) existing.min = bucket.min;
      if (bucket.max > existing.max) existing.max = bucket.max;
      return;
    }
    if (this.#buckets.size >= this.#capacity) {
      this.dropped++;
      return;
    }
    this.#buckets.set(key, { ...bucket });
  }

  /** Removes and returns the sets of minutes before `before` (all of them when undefined). */
  take(before?: number): Bucket[] {
    const taken: Bucket[] = [];
    for (const [key, bucket] of this.#buckets) {
      if (before !== undefined && bucket.minute >= before) continue;
      this.#buckets.delete(key);
      taken.push(bucket);
    }
    return taken;
  }
}

function keyOf(bucket: Bucket): string {
  let key = `${bucket.namespace}\u0000${bucket.minute}\u0000${bucket.name}`;
  for (const { name, value } of bucket.dimensions) key += `\u0000${name}\u0001${value}`;
  return key;
}
