// The README's consumer: every worker started with the same applicationName shares the stream's shards.
import { KinesisConsumer } from '@kinesis-kit/consumer';

const consumer = new KinesisConsumer({
  streamName: 'orders',
  applicationName: 'orders-billing', // also the name of the DynamoDB lease table (created if missing)
  initialPosition: 'TRIM_HORIZON',
  eachRecord: async (record, { shardId }) => {
    const order = JSON.parse(Buffer.from(record.data).toString('utf8')) as { orderId: number };
    console.log(shardId, record.sequenceNumber, order.orderId);
  }, // a checkpoint is written after each batch that succeeds; a throw retries the batch
});
const stop = () => void consumer.stop().then(() => process.exit(0)); // hands the shards over to other workers
process.once('SIGINT', stop); // Ctrl-C
process.once('SIGTERM', stop); // ECS, Kubernetes, systemd
await consumer.start(); // keeps the process running until stop()
