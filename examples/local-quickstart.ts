// The two quickstarts against local servers (no AWS account): kinesis-local + dynalite from @kinesis-kit/testing.
// Run: node --import tsx examples/local-quickstart.ts
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { KinesisProducer } from '@kinesis-kit/producer';
import { startLocalAws } from '@kinesis-kit/testing';

export async function localQuickstart(records = 100): Promise<number> {
  const aws = await startLocalAws(); // child process + in-process dynalite on free loopback ports
  try {
    await aws.kinesis.createStream('orders', 2);
    const producer = new KinesisProducer({ streamName: 'orders', kinesisClient: aws.kinesis.createKinesisClient() });
    const puts = [];
    for (let i = 0; i < records; i++)
      puts.push(producer.put({ partitionKey: `customer-${i}`, data: `{"orderId":${i}}` }));
    await Promise.all(puts); // every record stored (or the first error thrown)
    await producer.close();

    let processed = 0;
    const consumer = new KinesisConsumer({
      streamName: 'orders',
      applicationName: 'orders-billing',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      eachRecord: () => {
        processed++;
      },
    });
    await consumer.start();
    while (processed < records) await new Promise((resolve) => setTimeout(resolve, 100));
    await consumer.stop();
    return processed;
  } finally {
    await aws.stop(); // stops both servers; nothing is left running
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`processed ${await localQuickstart()} records`);
