import type { ProducerMetricsRecorder } from './ProducerMetricsRecorder.js';

/** Count / sum / min / max of a measured quantity. */
export interface StatSnapshot {
  count: number;
  sum: number;
  min: number;
  max: number;
  avg: number;
}

/** The producer's metrics, named as the KPL names them. Counters are totals since the producer was created. */
export interface ProducerMetricsSnapshot {
  /** User records accepted by put(). */
  UserRecordsReceived: number;
  /** User records accepted and not yet settled (gauge). */
  UserRecordsPending: number;
  /** User records stored in Kinesis. */
  UserRecordsPut: number;
  /** Data bytes of the user records stored. */
  UserRecordsDataPut: number;
  /** Kinesis records (aggregated or not) stored. */
  KinesisRecordsPut: number;
  /** Data bytes of the Kinesis records stored. */
  KinesisRecordsDataPut: number;
  /** Failed attempts (records or whole requests), by error code. */
  ErrorsByCode: Record<string, number>;
  /** All failed attempts. */
  AllErrors: number;
  /** Retries each settled user record needed. */
  RetriesPerRecord: StatSnapshot;
  /** User records that failed with RecordExpiredError. */
  UserRecordExpired: number;
  /** Milliseconds from acceptance to the first send, per user record (sum/count exact, min/max per Kinesis record). */
  BufferingTime: StatSnapshot;
  /** PutRecords request time, ms. */
  RequestTime: StatSnapshot;
  /** User records per Kinesis record stored. */
  UserRecordsPerKinesisRecord: StatSnapshot;
  /** Kinesis records per PutRecords request. */
  KinesisRecordsPerPutRecordsRequest: StatSnapshot;
}

/** A running statistic. */
export class Stat {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(value: number, weight = 1): void {
    this.count += weight;
    this.sum += value * weight;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Adds `count` samples known only by their sum (and the range of their mean). */
  addSum(sum: number, count: number): void {
    if (count === 0) return;
    this.count += count;
    this.sum += sum;
    const mean = sum / count;
    if (mean < this.min) this.min = mean;
    if (mean > this.max) this.max = mean;
  }

  snapshot(): StatSnapshot {
    const empty = this.count === 0;
    return {
      count: this.count,
      sum: this.sum,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      avg: empty ? 0 : this.sum / this.count,
    };
  }
}

/** Mutable counters behind {@link ProducerMetricsSnapshot}; plain fields so the hot path only increments. */
export class ProducerMetrics {
  /** Set when metrics are published (a sink is configured): per-shard and per-request series. */
  recorder: ProducerMetricsRecorder | undefined = undefined;
  userRecordsReceived = 0;
  userRecordsPut = 0;
  userRecordsDataPut = 0;
  kinesisRecordsPut = 0;
  kinesisRecordsDataPut = 0;
  allErrors = 0;
  userRecordExpired = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly retriesPerRecord = new Stat();
  readonly bufferingTime = new Stat();
  readonly requestTime = new Stat();
  readonly userRecordsPerKinesisRecord = new Stat();
  readonly kinesisRecordsPerRequest = new Stat();

  error(code: string, count = 1): void {
    this.allErrors += count;
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + count);
  }

  snapshot(pending: number): ProducerMetricsSnapshot {
    return {
      UserRecordsReceived: this.userRecordsReceived,
      UserRecordsPending: pending,
      UserRecordsPut: this.userRecordsPut,
      UserRecordsDataPut: this.userRecordsDataPut,
      KinesisRecordsPut: this.kinesisRecordsPut,
      KinesisRecordsDataPut: this.kinesisRecordsDataPut,
      ErrorsByCode: Object.fromEntries(this.errorsByCode),
      AllErrors: this.allErrors,
      RetriesPerRecord: this.retriesPerRecord.snapshot(),
      UserRecordExpired: this.userRecordExpired,
      BufferingTime: this.bufferingTime.snapshot(),
      RequestTime: this.requestTime.snapshot(),
      UserRecordsPerKinesisRecord: this.userRecordsPerKinesisRecord.snapshot(),
      KinesisRecordsPerPutRecordsRequest: this.kinesisRecordsPerRequest.snapshot(),
    };
  }
}
