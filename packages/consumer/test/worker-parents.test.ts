// Parents before children with the children's leases there from the start (kinesis-local + dynalite, the real
// KinesisConsumer): a split that happened before the consumer ever ran, a slow parent, and children full of
// records. Removing the parent wait makes this fail (the children's records are delivered first).
import { DescribeStreamSummaryCommand, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { DynamoDBLeaseTable } from '@kinesis-kit/consumer/leases';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './fixtures/runnerHarness.js';
import { decode, putNumbered } from './fixtures/streamData.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

describe('resharding before the consumer starts', () => {
  it('children whose leases exist from the start wait for their slow parent to reach SHARD_END', async () => {
    // Prepare: 60 records in the parent, a split, 60 records in the children; nobody has read anything yet.
    const stream = 'parents-first';
    const app = 'app-parents-first';
    const client = aws.kinesis.kinesisClient;
    await aws.kinesis.createStream(stream, 1);
    await putNumbered(client, stream, 0, 60);
    const [parent] = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    const middle = (BigInt(parent!.HashKeyRange!.StartingHashKey!) + BigInt(parent!.HashKeyRange!.EndingHashKey!)) / 2n;
    await client.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: parent!.ShardId!, NewStartingHashKey: String(middle) }),
    );
    await until(
      async () =>
        (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary
          ?.StreamStatus === 'ACTIVE',
      10_000,
      'the split',
    );
    await putNumbered(client, stream, 60, 60);
    const events: { kind: 'delivered' | 'parent_end'; shardId: string; n?: number; at: number }[] = [];
    let seq = 0;
    const c = new KinesisConsumer({
      streamName: stream,
      applicationName: app,
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      keepProcessAlive: false,
      maxRecords: 10, // the parent takes six slow batches
      parentShardPollIntervalMs: 200,
      eachBatch: async ({ shardId, records }) => {
        if (shardId === parent!.ShardId) await new Promise((r) => setTimeout(r, 150));
        for (const r of records) events.push({ kind: 'delivered', shardId, n: decode(shardId, r).n, at: ++seq });
      },
    });
    c.on('consumer.checkpoint', ({ shardId, sequenceNumber }) => {
      if (shardId === parent!.ShardId && sequenceNumber === 'SHARD_END')
        events.push({ kind: 'parent_end', shardId, at: ++seq });
    });

    // Act
    await c.start();
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    const leasesAtStart = (await table.listLeases()).map((l) => l.leaseKey);
    await until(
      () => events.filter((e) => e.kind === 'delivered').length >= 120 && events.some((e) => e.kind === 'parent_end'),
      60_000,
      "all 120 records and the parent's SHARD_END",
    );
    await c.stop();

    // Assess: all three leases existed from the start; every child record came after the parent's SHARD_END.
    expect(leasesAtStart).toHaveLength(3);
    const parentEnd = events.find((e) => e.kind === 'parent_end');
    expect(parentEnd).toBeDefined();
    const early = events.filter((e) => e.kind === 'delivered' && e.shardId !== parent!.ShardId && e.at < parentEnd!.at);
    expect(early.map((e) => e.n)).toEqual([]);
    expect(new Set(events.flatMap((e) => (e.n === undefined ? [] : [e.n]))).size).toBe(120);
  });
});
