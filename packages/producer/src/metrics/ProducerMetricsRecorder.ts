import {
  type Clock,
  type Dimension,
  type Logger,
  type MetricHandle,
  MetricsPublisher,
  MetricsRegistry,
  type ResolvedMetricsOptions,
} from '@kinesis-kit/commons';
import { ProducerMetric } from './producerMetricDefinitions.js';
import { dimensionLevels, ShardMetrics } from './ShardMetrics.js';

/** What the recorder reads from the producer once per interval. */
export interface ProducerTotals {
  /** User records accepted by put() so far. */
  received(): number;
  /** User records accepted and not settled (plus those waiting for capacity). */
  pending(): number;
}

/**
 * The producer's published metrics (only built when a sink is configured): a registry, its publisher, the
 * per-request handles, and one {@link ShardMetrics} per predicted shard.
 */
export class ProducerMetricsRecorder {
  readonly #registry: MetricsRegistry;
  readonly #publisher: MetricsPublisher;
  readonly #stream: readonly Dimension[];
  readonly requestTime: MetricHandle;
  readonly kinesisRecordsPerRequest: MetricHandle;
  readonly userRecordsPerRequest: MetricHandle;

  constructor(
    options: ResolvedMetricsOptions,
    streamName: string,
    totals: ProducerTotals,
    clock: Clock,
    logger: Logger,
  ) {
    this.#registry = new MetricsRegistry(options);
    this.#stream = [{ name: 'StreamName', value: streamName }];
    const perStream = dimensionLevels(options.granularity, this.#stream, undefined);
    this.requestTime = this.#registry.handle(ProducerMetric.RequestTime, perStream);
    this.kinesisRecordsPerRequest = this.#registry.handle(ProducerMetric.KinesisRecordsPerPutRecordsRequest, perStream);
    this.userRecordsPerRequest = this.#registry.handle(ProducerMetric.UserRecordsPerPutRecordsRequest, perStream);
    // Not per shard (the KPL's too): read from the producer's own counters, nothing on the data path.
    perStream.forEach((dimensions, i) => {
      this.#registry.total(ProducerMetric.UserRecordsReceived, dimensions, totals.received, i > 0);
      this.#registry.gauge(ProducerMetric.UserRecordsPending, dimensions, totals.pending, i > 0);
    });
    this.#publisher = new MetricsPublisher(
      this.#registry,
      options,
      { component: 'producer', streamName },
      clock,
      logger,
    );
    this.#publisher.start();
  }

  /** The metrics of one predicted shard. */
  shard(shardId: string): ShardMetrics {
    return new ShardMetrics(this.#registry, this.#stream, shardId);
  }

  /** Publishes what the current interval holds and flushes the sinks; publishing goes on. */
  flush(): Promise<void> {
    return this.#publisher.flush();
  }

  /** Publishes what the current interval holds and flushes the sinks (close()). */
  close(): Promise<void> {
    return this.#publisher.close();
  }
}

/** The stream name of a stream ARN (`arn:aws:kinesis:region:account:stream/NAME`), or the ARN itself. */
export function streamNameOf(streamName: string | undefined, streamArn: string | undefined): string {
  if (streamName !== undefined) return streamName;
  const arn = streamArn ?? '';
  const slash = arn.lastIndexOf('stream/');
  return slash < 0 ? arn : arn.slice(slash + 'stream/'.length);
}
