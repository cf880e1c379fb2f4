// start() under one transient failure of each call it makes: a consumer whose first ListShards, DescribeTable,
// Scan or lease write is throttled, fails with a 500, times out or has its connection reset must still start
// (KinesisConsumer retries retriable start failures) and then process what is in the stream.
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { KinesisProducer } from '@kinesis-kit/producer';
import { type FaultRule, type LocalAws, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce, waitUntil } from './fixtures/fleet.js';
import type { Ack } from './fixtures/invariants.js';

let aws: LocalAws;
const streamName = 'faults-start';

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.kinesis.createStream(streamName, 2);
  const producer = new KinesisProducer({ streamName, kinesisClient: aws.kinesis.kinesisClient });
  await produce(producer, new Map<number, Ack>(), { total: 20, perTick: 20, everyMs: 0, keys: 20 });
  await producer.close();
});
afterAll(async () => {
  await aws?.stop();
});

const cases: [string, 'kinesis' | 'dynamoDb', FaultRule][] = [
  ['ListShards connection reset', 'kinesis', { commands: ['ListShards'], fault: 'reset', times: 1 }],
  ['ListShards timeout', 'kinesis', { commands: ['ListShards'], fault: 'timeout', times: 1 }],
  ['ListShards 500', 'kinesis', { commands: ['ListShards'], fault: 'internal', times: 1 }],
  ['DescribeTable connection reset', 'dynamoDb', { commands: ['DescribeTable'], fault: 'reset', times: 1 }],
  ['Scan throttled', 'dynamoDb', { commands: ['Scan'], fault: 'throttle', times: 1 }],
  [
    'PutItem timeout after the write',
    'dynamoDb',
    { commands: ['PutItem'], fault: 'timeout', times: 1, afterSend: true },
  ],
];

describe('fault suite: start() under a transient fault', () => {
  it.each(cases)(
    '%s',
    async (name, client, rule) => {
      // Prepare
      const kinesisClient = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
      const dynamoDbClient = aws.dynamoDb.createDynamoDbClient({ maxAttempts: 1 });
      const faults = withFaults(client === 'kinesis' ? kinesisClient : dynamoDbClient, [rule]);
      const seen = new Set<string>();
      const consumer = new KinesisConsumer({
        streamName,
        applicationName: `kk-start-${name.replace(/[^a-zA-Z0-9]+/g, '-')}`,
        kinesisClient,
        dynamoDbClient,
        initialPosition: 'TRIM_HORIZON',
        eachRecord: (record) => {
          seen.add(`${record.sequenceNumber}/${record.subSequenceNumber}`);
        },
      });
      // Act
      try {
        await consumer.start();
        await waitUntil(
          () => seen.size === 20,
          10_000,
          () => `${seen.size} of 20 records processed`,
        );
      } finally {
        await consumer.stop();
      }
      // Assess
      expect(faults.count()).toBe(1);
    },
    30_000,
  );
});
