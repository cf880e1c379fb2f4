import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { deregisterStreamConsumer, registerStreamConsumer } from '../fanOut/streamConsumer.js';
import { ShardSyncer } from '../shardSync/ShardSyncer.js';
import { DynamoDBLeaseTable } from './DynamoDBLeaseTable.js';
import { LeaseCoordinator } from './LeaseCoordinator.js';
import type { LeaseCoordinatorOptions } from './leaseCoordinatorOptions.js';

// The lease layer's own options objects (@kinesis-kit/consumer/leases) reject unknown keys as the consumer's do.
const dynamoDbClient = { send: () => Promise.reject(new Error('not called')) } as unknown as DynamoDBClient;
const kinesisClient = { send: () => Promise.reject(new Error('not called')) } as unknown as KinesisClient;
const leaseTable = new DynamoDBLeaseTable({ dynamoDbClient, tableName: 'options-test' });

function unknownOption(run: () => unknown): { option: string; didYouMean: string | undefined } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    return { option: error.option, didYouMean: error.didYouMean };
  }
  throw new Error('did not throw');
}

describe('lease-layer options', () => {
  it('DynamoDBLeaseTable, LeaseCoordinator and ShardSyncer name the closest valid key', () => {
    const table = { dynamoDbClient, tableName: 'options-test', billingMod: 'PROVISIONED' };
    expect(unknownOption(() => new DynamoDBLeaseTable(table as never))).toEqual({
      option: 'billingMod',
      didYouMean: 'billingMode',
    });
    const coordinator = { leaseTable, workerId: 'w', failoverTimeMillis: 5_000 } as unknown as LeaseCoordinatorOptions;
    expect(unknownOption(() => new LeaseCoordinator(coordinator))).toEqual({
      option: 'failoverTimeMillis',
      didYouMean: 'failoverTimeMs',
    });
    const syncer = { kinesisClient, streamName: 's', leaseTable, initialPosition: 'LATEST', logger: {}, clok: {} };
    expect(unknownOption(() => new ShardSyncer(syncer as never))).toEqual({ option: 'clok', didYouMean: 'clock' });
  });

  it('the coordinator still validates values and fills defaults', () => {
    expect(unknownOption(() => new LeaseCoordinator({ leaseTable, workerId: 'w', takingIntervalMs: 1 })).option).toBe(
      'takingIntervalMs',
    );
    const coordinator = new LeaseCoordinator({ leaseTable, workerId: 'w', failoverTimeMs: 4_000 });
    expect(coordinator.options).toMatchObject({
      renewalIntervalMs: 2_000,
      takingIntervalMs: 1_000,
      maxTakingIntervalMs: 2_000,
    });
  });

  it('registerStreamConsumer and deregisterStreamConsumer reject unknown keys before any call', async () => {
    const target = { kinesisClient, streamName: 's', consumerName: 'c' };
    await expect(registerStreamConsumer({ ...target, timeout: 1 } as never)).rejects.toThrow(
      'Unknown option `timeout`: did you mean `timeoutMs`?',
    );
    await expect(deregisterStreamConsumer({ ...target, wiat: false } as never)).rejects.toThrow(
      'Unknown option `wiat`: did you mean `wait`?',
    );
  });
});
