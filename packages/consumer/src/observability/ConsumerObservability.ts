import type { Clock, Logger, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../events.js';
import type { ConsumerMetrics } from '../metrics/ConsumerMetrics.js';
import type { ResolvedKinesisConsumerOptions } from '../options.js';
import type { RecordProcessorFactory } from '../processor/RecordProcessor.js';
import { ConsumerMetricsRecorder, type TakingCycleSource } from './ConsumerMetricsRecorder.js';
import { tracedProcessorFactory } from './tracedProcessorFactory.js';

/**
 * Everything the consumer publishes beyond events and logs — metrics to sinks, spans to a tracer — behind four calls
 * from `KinesisConsumer`. Nothing is built or subscribed when neither `metrics` sinks nor `tracing` is configured.
 */
export class ConsumerObservability {
  readonly #o: ResolvedKinesisConsumerOptions;
  readonly #logger: Logger;
  readonly #recorder: ConsumerMetricsRecorder | undefined;
  readonly #stopWatching: () => void;

  constructor(
    options: ResolvedKinesisConsumerOptions,
    events: TypedEmitter<ConsumerEvents>,
    metrics: ConsumerMetrics,
    clock: Clock,
  ) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'KinesisConsumer', workerId: options.workerId });
    this.#stopWatching = metrics.watch(events);
    if (options.metrics !== undefined) {
      this.#recorder = new ConsumerMetricsRecorder(
        options.metrics,
        events,
        {
          component: 'consumer',
          streamName: streamNameOf(options.streamName, options.streamArn),
          applicationName: options.applicationName,
          workerId: options.workerId,
        },
        () => metrics.shardCount,
        clock,
        options.logger,
      );
    }
  }

  /** start(): the lease layer exists (not started yet); report its view of the fleet too, and start publishing. */
  leasesCreated(coordinator: TakingCycleSource): void {
    this.#recorder?.watchLeases(coordinator);
    this.#recorder?.start();
  }

  /** The processor factory, with a span per processed batch when tracing is configured. */
  processors(factory: RecordProcessorFactory): RecordProcessorFactory {
    const tracing = this.#o.tracing;
    if (tracing === undefined) return factory;
    const consumer = {
      streamName: streamNameOf(this.#o.streamName, this.#o.streamArn),
      applicationName: this.#o.applicationName,
      workerId: this.#o.workerId,
    };
    return tracedProcessorFactory(factory, tracing, consumer, this.#logger);
  }

  /** stop(): publishes the last interval and flushes the sinks. */
  async stopped(): Promise<void> {
    this.#stopWatching();
    await this.#recorder?.close();
  }
}

function streamNameOf(streamName: string | undefined, streamArn: string | undefined): string | undefined {
  if (streamName !== undefined) return streamName;
  const at = streamArn?.lastIndexOf('stream/') ?? -1;
  return at < 0 ? streamArn : streamArn?.slice(at + 'stream/'.length);
}
