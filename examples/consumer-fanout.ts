// A consumer worker reading through enhanced fan-out (SubscribeToShard), and the operator's clean-up call.
// Against AWS the default client is right; against kinesis-local pass `retrieval.kinesisClient` from
// `createFanOutKinesisClient()` (@kinesis-kit/testing), as the tests do.

import { KinesisClient } from '@aws-sdk/client-kinesis';
import { deregisterStreamConsumer, KinesisConsumer } from '@kinesis-kit/consumer';

export async function runFanOutWorker(): Promise<KinesisConsumer> {
  const consumer = new KinesisConsumer({
    streamName: 'orders',
    applicationName: 'orders-analytics',
    initialPosition: 'TRIM_HORIZON',
    retrieval: {
      type: 'fanout',
      // consumerName defaults to applicationName; registered at start() if missing, reused if present.
      heartbeatTimeoutMs: 15_000, // no event for 15 s → the subscription is replaced (AWS sends one every ≤ 5 s)
    },
    eachBatch: async ({ shardId, records, millisBehindLatest }) => {
      console.log(`${shardId}: ${records.length} records, ${millisBehindLatest ?? '?'} ms behind`);
    },
  });
  consumer.on('consumer.fetch_error', ({ shardId, error, retryInMs }) =>
    console.warn(`${shardId}: subscription replaced in ${retryInMs} ms`, error),
  );
  await consumer.start();
  process.once('SIGTERM', () => void consumer.stop().then(() => process.exit(0)));
  return consumer;
}

/** Operators: remove the application's stream consumer (stop every worker first, or they register it again). */
export async function removeFanOutConsumer(): Promise<boolean> {
  return deregisterStreamConsumer({
    kinesisClient: new KinesisClient({}),
    streamName: 'orders',
    consumerName: 'orders-analytics',
  });
}
