import {
  type Dimension,
  type MetricHandle,
  MetricsGranularity,
  type MetricsRegistry,
  NO_METRIC,
} from '@kinesis-kit/commons';
import { ProducerMetric } from './producerMetricDefinitions.js';

/** The dimension sets a metric is published with, from the most detailed down to global (the KPL's hierarchy). */
export function dimensionLevels(
  granularity: MetricsGranularity,
  stream: readonly Dimension[],
  shard: readonly Dimension[] | undefined,
): (readonly Dimension[])[] {
  const levels: (readonly Dimension[])[] = [];
  if (shard !== undefined && granularity === MetricsGranularity.SHARD) levels.push(shard);
  if (granularity !== MetricsGranularity.GLOBAL) levels.push(stream);
  levels.push([]);
  return levels;
}

/**
 * The per-shard metrics of one predicted shard (each also counted at stream and global level, per granularity).
 * One instance per shard queue, created when a sink is configured; the pipeline calls it once per Kinesis record
 * or request, never per user record.
 */
export class ShardMetrics {
  readonly #registry: MetricsRegistry;
  readonly #levels: readonly (readonly Dimension[])[];
  readonly #userRecordsPut: MetricHandle;
  readonly #userRecordsDataPut: MetricHandle;
  readonly #kinesisRecordsPut: MetricHandle;
  readonly #kinesisRecordsDataPut: MetricHandle;
  readonly #userRecordsPerKinesisRecord: MetricHandle;
  readonly #allErrors: MetricHandle;
  readonly #retriesPerRecord: MetricHandle;
  readonly #userRecordExpired: MetricHandle;
  readonly #bufferingTime: MetricHandle;
  /** Buffering time of this shard's records in the request being dispatched (see {@link ShardMetrics.buffered}). */
  #bufferedSum = 0;
  #bufferedCount = 0;
  /** ErrorsByCode handles by code (few codes ever occur). */
  readonly #errorsByCode = new Map<string, MetricHandle>();

  constructor(registry: MetricsRegistry, stream: readonly Dimension[], shardId: string) {
    this.#registry = registry;
    this.#levels = dimensionLevels(registry.granularity, stream, [...stream, { name: 'ShardId', value: shardId }]);
    const handle = (definition: (typeof ProducerMetric)[keyof typeof ProducerMetric]) =>
      registry.handle(definition, this.#levels);
    this.#userRecordsPut = handle(ProducerMetric.UserRecordsPut);
    this.#userRecordsDataPut = handle(ProducerMetric.UserRecordsDataPut);
    this.#kinesisRecordsPut = handle(ProducerMetric.KinesisRecordsPut);
    this.#kinesisRecordsDataPut = handle(ProducerMetric.KinesisRecordsDataPut);
    this.#userRecordsPerKinesisRecord = handle(ProducerMetric.UserRecordsPerKinesisRecord);
    this.#allErrors = handle(ProducerMetric.AllErrors);
    this.#retriesPerRecord = handle(ProducerMetric.RetriesPerRecord);
    this.#userRecordExpired = handle(ProducerMetric.UserRecordExpired);
    this.#bufferingTime = handle(ProducerMetric.BufferingTime);
  }

  /** A Kinesis record carrying `users` user records (`userBytes` of data) was stored. */
  stored(users: number, userBytes: number, kinesisBytes: number): void {
    this.#userRecordsPut.add(1, users);
    this.#userRecordsDataPut.add(userBytes);
    this.#kinesisRecordsPut.add(1);
    this.#kinesisRecordsDataPut.add(kinesisBytes);
    this.#userRecordsPerKinesisRecord.add(users);
  }

  /** A Kinesis record's user records failed for good (rejected, throttled with failIfThrottled, or expired). */
  failed(users: number, expired: boolean): void {
    this.#userRecordsPut.add(0, users);
    this.#kinesisRecordsPut.add(0);
    if (expired) this.#userRecordExpired.add(users);
  }

  /** An attempt of one Kinesis record failed with `code`. */
  error(code: string): void {
    this.#allErrors.add(1);
    let byCode = this.#errorsByCode.get(code);
    if (byCode === undefined) {
      const withCode = { name: 'ErrorCode', value: code };
      byCode = this.#registry.includes(ProducerMetric.ErrorsByCode)
        ? this.#registry.handle(
            ProducerMetric.ErrorsByCode,
            this.#levels.map((dimensions) => [...dimensions, withCode]),
          )
        : NO_METRIC;
      this.#errorsByCode.set(code, byCode);
    }
    byCode.add(1);
  }

  /** `count` user records waited `waitedSum` ms in total before their first send (collected per request). */
  buffered(waitedSum: number, count: number): void {
    this.#bufferedSum += waitedSum;
    this.#bufferedCount += count;
  }

  /** The request is dispatched: one BufferingTime sample for this shard's records in it (exact sum and count). */
  flushBuffered(): void {
    const count = this.#bufferedCount;
    if (count === 0) return;
    this.#bufferingTime.add(this.#bufferedSum / count, count);
    this.#bufferedSum = 0;
    this.#bufferedCount = 0;
  }

  /** `users` user records settled after `retries` retries. */
  retries(retries: number, users: number): void {
    this.#retriesPerRecord.add(retries, users);
  }
}
