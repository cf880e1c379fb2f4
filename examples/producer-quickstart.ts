// The README's producer: put records (KPL-compatible aggregation and retries are on by default), then close.
import { KinesisProducer } from '@kinesis-kit/producer';

const producer = new KinesisProducer({ streamName: 'orders' }); // region and credentials from the environment

for (let i = 0; i < 1_000; i++) {
  producer
    .put({ partitionKey: `customer-${i % 50}`, data: JSON.stringify({ orderId: i }) })
    .catch((error: unknown) => console.error('not stored:', error)); // a typed PutRecordError, with the record
}
// Each put() resolves once Kinesis has stored the record.
const { shardId, sequenceNumber } = await producer.put({ partitionKey: 'customer-1', data: '{"orderId":"last"}' });
console.log(`stored in ${shardId} at ${sequenceNumber}`);

await producer.close(); // sends everything still buffered
