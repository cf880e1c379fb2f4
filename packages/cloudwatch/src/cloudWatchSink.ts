import {
  type MetricDatum as CloudWatchDatum,
  PutMetricDataCommand,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import type { MetricsBatch, MetricsSink, TimerHandle } from '@kinesis-kit/commons';
import { type Bucket, MinuteBuckets } from './MinuteBuckets.js';
import {
  type CloudWatchSinkOptions,
  type ResolvedCloudWatchSinkOptions,
  resolveCloudWatchSinkOptions,
} from './options.js';

/** What the sink did so far (for health checks and tests). */
export interface CloudWatchSinkStats {
  /** Statistic sets CloudWatch accepted. */
  uploadedDatums: number;
  /** PutMetricData calls that failed (their sets went back to the queue, space permitting). */
  failedRequests: number;
  /** Statistic sets dropped because the queue was full (CloudWatch down or throttling for long). */
  droppedDatums: number;
  /** Statistic sets waiting for upload now. */
  queuedDatums: number;
}

/** A {@link MetricsSink} that uploads with PutMetricData; `close()` uploads what is left and stops its timer. */
export interface CloudWatchSink extends MetricsSink {
  readonly stats: CloudWatchSinkStats;
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;
/** PutMetricData accepts 1 MB per request: stay well below. */
const MAX_REQUEST_BYTES = 800_000;
const LOG_EVERY_MS = 60_000;

/**
 * Publishes metrics to CloudWatch as the KPL and the KCL do: each interval's data is merged into one-minute
 * statistic sets (SampleCount, Sum, Minimum, Maximum), and once per `uploadIntervalMs` the closed minutes go out in
 * PutMetricData calls of up to 1,000 sets, one call at a time. Nothing here runs on the data path: `publish()` only
 * merges into a bounded map, uploads run on an unref'd timer, failures put the sets back (space permitting) and are
 * logged at most once a minute. `flush()`/`close()` upload everything, including the current minute.
 */
export function cloudWatchSink(options: CloudWatchSinkOptions): CloudWatchSink {
  return new CloudWatchMetricsSink(resolveCloudWatchSinkOptions(options));
}

class CloudWatchMetricsSink implements CloudWatchSink {
  readonly #o: ResolvedCloudWatchSinkOptions;
  readonly #buckets: MinuteBuckets;
  #timer: TimerHandle | undefined;
  /** The upload in progress (one at a time). */
  #uploading: Promise<void> = Promise.resolve();
  #closed = false;
  #uploaded = 0;
  #failedRequests = 0;
  #lastLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(options: ResolvedCloudWatchSinkOptions) {
    this.#o = options;
    this.#buckets = new MinuteBuckets(options.maxQueuedDatums);
  }

  get stats(): CloudWatchSinkStats {
    return {
      uploadedDatums: this.#uploaded,
      failedRequests: this.#failedRequests,
      droppedDatums: this.#buckets.dropped,
      queuedDatums: this.#buckets.size,
    };
  }

  publish(batch: MetricsBatch): void {
    const namespace = this.#o.namespace ?? batch.namespace;
    for (const datum of batch.data) this.#buckets.add(namespace, batch.timestamp, datum);
    if (this.#timer === undefined && !this.#closed) this.#arm();
  }

  flush(): Promise<void> {
    return this.#upload(undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.flush();
  }

  #arm(): void {
    const handle = setTimeout(() => {
      this.#timer = undefined;
      // Closed minutes only: the current one may still receive data.
      void this.#upload(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS).then(() => {
        if (!this.#closed && this.#buckets.size > 0) this.#arm();
      });
    }, this.#o.uploadIntervalMs);
    handle.unref();
    this.#timer = { cancel: () => clearTimeout(handle) };
  }

  /** Uploads the sets of minutes before `before` (all when undefined), after the upload in progress. Never rejects. */
  #upload(before: number | undefined): Promise<void> {
    this.#uploading = this.#uploading.then(() => this.#send(this.#buckets.take(before)));
    return this.#uploading;
  }

  async #send(buckets: Bucket[]): Promise<void> {
    const byNamespace = new Map<string, Bucket[]>();
    for (const bucket of buckets) {
      const list = byNamespace.get(bucket.namespace);
      if (list === undefined) byNamespace.set(bucket.namespace, [bucket]);
      else list.push(bucket);
    }
    const requests: { namespace: string; buckets: Bucket[] }[] = [];
    for (const [namespace, list] of byNamespace) {
      for (const chunk of chunks(list, this.#o.maxDatumsPerRequest)) requests.push({ namespace, buckets: chunk });
    }
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i] as { namespace: string; buckets: Bucket[] };
      try {
        await this.#o.client.send(
          new PutMetricDataCommand({
            Namespace: request.namespace,
            MetricData: request.buckets.map((b) => toCloudWatch(b, this.#o.storageResolution)),
          }),
          { abortSignal: AbortSignal.timeout(this.#o.requestTimeoutMs) },
        );
        this.#uploaded += request.buckets.length;
      } catch (error) {
        this.#failedRequests++;
        // This and every later request of the round go back (merged, space permitting); the next round retries.
        for (const later of requests.slice(i)) for (const bucket of later.buckets) this.#buckets.merge(bucket);
        this.#logFailure(error);
        return;
      }
    }
  }

  #logFailure(error: unknown): void {
    const now = Date.now();
    if (now - this.#lastLoggedAt < LOG_EVERY_MS) return;
    this.#lastLoggedAt = now;
    this.#o.logger.warn(
      { err: error, queuedDatums: this.#buckets.size, droppedDatums: this.#buckets.dropped },
      'PutMetricData failed; the metrics stay queued (bounded) and are retried at the next upload',
    );
  }
}

/** Splits by count and by an estimate of the request size. */
function* chunks(buckets: readonly Bucket[], maxCount: number): Generator<Bucket[]> {
  let chunk: Bucket[] = [];
  let bytes = 0;
  for (const bucket of buckets) {
    let size = 200 + bucket.name.length;
    for (const { name, value } of bucket.dimensions) size += name.length + value.length + 30;
    if (chunk.length > 0 && (chunk.length >= maxCount || bytes + size > MAX_REQUEST_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(bucket);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function toCloudWatch(bucket: Bucket, storageResolution: 1 | 60): CloudWatchDatum {
  const dimensions = bucket.dimensions
    .filter(({ name, value }) => name.length > 0 && value.length > 0)
    .slice(0, 30)
    .map(({ name, value }) => ({ Name: name.slice(0, 255), Value: value.slice(0, 1024) }));
  return {
    MetricName: bucket.name,
    Dimensions: dimensions,
    Timestamp: new Date(bucket.minute),
    Unit: bucket.unit as StandardUnit,
    StatisticValues: { SampleCount: bucket.count, Sum: bucket.sum, Minimum: bucket.min, Maximum: bucket.max },
    ...(storageResolution === 1 ? { StorageResolution: 1 } : {}),
  };
}
