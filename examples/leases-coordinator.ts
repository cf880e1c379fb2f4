// Using the lease layer on its own (the consumer wires this for you): one worker's coordinator over a KCL-format
// table named after the application, with shard discovery.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { silentLogger } from '@kinesis-kit/commons';
import { LeaseLostError } from '@kinesis-kit/consumer';
import { DynamoDBLeaseTable, LeaseCoordinator, ShardSyncer } from '@kinesis-kit/consumer/leases';

const logger = silentLogger();
const leaseTable = new DynamoDBLeaseTable({
  dynamoDbClient: new DynamoDBClient({}),
  tableName: 'my-application', // the KCL's applicationName: point at an existing KCL table to adopt it
});
const coordinator = new LeaseCoordinator({
  leaseTable,
  workerId: `worker-${process.pid}`,
  shardSyncer: new ShardSyncer({
    kinesisClient: new KinesisClient({}),
    streamName: 'my-stream',
    leaseTable,
    initialPosition: 'TRIM_HORIZON',
    logger,
  }),
  failoverTimeMs: 10_000,
  logger,
});

coordinator.on('lease_gained', (lease) => {
  console.log(`start ${lease.leaseKey} from ${lease.checkpoint.sequenceNumber}`);
});
coordinator.on('lease_lost', (lease) => {
  console.log(`stop ${lease.leaseKey} now (${lease.reason})`);
});

await coordinator.start();

// After processing records of a held shard:
try {
  await coordinator.checkpoint('shardId-000000000000', {
    sequenceNumber: '4959033827149025660855969253',
    subSequenceNumber: 0,
  });
} catch (error) {
  if (!(error instanceof LeaseLostError)) throw error; // another worker owns the shard now: stop processing it
}

// Graceful stop: stop the loops, then hand every lease over so others take them within a taking cycle.
await coordinator.stop();
await Promise.all([...coordinator.getHeldLeases().keys()].map((shardId) => coordinator.releaseLease(shardId)));
