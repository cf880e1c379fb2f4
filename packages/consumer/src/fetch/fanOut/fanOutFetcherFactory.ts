import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Clock, Logger, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../../events.js';
import { registerStreamConsumer } from '../../fanOut/streamConsumer.js';
import type { PrefetchBudget } from '../PrefetchBudget.js';
import type { RecordsFetcherFactory } from '../RecordsFetcher.js';
import { FanOutFetcher } from './FanOutFetcher.js';
import type { ResolvedFanOutRetrieval } from './retrievalOptions.js';

export interface FanOutFetcherFactoryOptions {
  retrieval: ResolvedFanOutRetrieval;
  kinesisClient: KinesisClient;
  streamName: string | undefined;
  streamArn: string | undefined;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  prefetchBudget?: PrefetchBudget | undefined;
  logger: Logger;
  clock: Clock;
  events: TypedEmitter<ConsumerEvents>;
}

/**
 * Registers (or finds) the stream consumer, waits until it is ACTIVE, and returns a factory of fan-out fetchers
 * subscribed through it. Called once per `start()`, before any lease is taken.
 */
export async function createFanOutFetcherFactory(options: FanOutFetcherFactoryOptions): Promise<RecordsFetcherFactory> {
  const { retrieval, kinesisClient } = options;
  const consumerArn =
    retrieval.consumerArn ??
    (await registerStreamConsumer({
      kinesisClient,
      streamArn: options.streamArn,
      streamName: options.streamName,
      consumerName: retrieval.consumerName,
      timeoutMs: retrieval.registrationTimeoutMs,
      logger: options.logger,
      clock: options.clock,
    }));
  const subscribeClient = retrieval.kinesisClient ?? kinesisClient;
  return (start) =>
    new FanOutFetcher(start, {
      subscribeClient,
      kinesisClient,
      consumerArn,
      streamName: options.streamName,
      streamArn: options.streamArn,
      heartbeatTimeoutMs: retrieval.heartbeatTimeoutMs,
      shardEndCheckIntervalMs: retrieval.shardEndCheckIntervalMs,
      retryBaseDelayMs: options.retryBaseDelayMs,
      retryMaxDelayMs: options.retryMaxDelayMs,
      prefetchBudget: options.prefetchBudget,
      logger: options.logger,
      clock: options.clock,
      events: options.events,
    });
}
