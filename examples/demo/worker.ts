// A demo worker process: a KinesisConsumer whose handler reports each processed record to the orchestrator
// *before* the automatic checkpoint that covers it, so a kill -9 never hides a processed record.
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { dynamoDbClient, kinesisClient, report } from './clients.js';

const env = process.env;
const workerId = env.WORKER_ID as string;
const consumer = new KinesisConsumer({
  streamName: env.STREAM as string,
  applicationName: env.APP as string,
  workerId,
  kinesisClient: kinesisClient(),
  dynamoDbClient: dynamoDbClient(),
  initialPosition: 'TRIM_HORIZON',
  failoverTimeMs: Number(env.FAILOVER_MS ?? 6000),
  eachBatch: async ({ shardId, records }) => {
    const items = records.map((record) => {
      const { key, n } = JSON.parse(Buffer.from(record.data).toString('utf8')) as { key: string; n: number };
      return [key, n, record.sequenceNumber, record.subSequenceNumber];
    });
    report({ type: 'processed', w: workerId, shardId, items });
  },
});
consumer.on('consumer.lease_gained', ({ shardId }) => report({ type: 'gained', w: workerId, shardId }));
consumer.on('consumer.lease_lost', ({ shardId }) => report({ type: 'lost', w: workerId, shardId }));
consumer.on('consumer.shard_ended', ({ shardId }) => report({ type: 'shard_ended', w: workerId, shardId }));

const shutdown = async () => {
  await consumer.stop();
  report({ type: 'stopped', w: workerId });
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
await consumer.start();
report({ type: 'started', w: workerId });
// The library's timers are unref()'d; this keeps the worker alive until it is told to stop.
setInterval(() => {}, 1 << 30);
