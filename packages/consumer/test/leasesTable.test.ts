import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { LeaseTableMismatchError } from '@kinesis-kit/consumer';
import { type ChildShardInfo, DynamoDBLeaseTable } from '@kinesis-kit/consumer/leases';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorker, uniqueName } from './leasesHelpers.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
}, 30_000);
afterAll(async () => {
  await aws?.stop();
});

const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

/** Splits a one-shard stream's shard 0 in the middle of the hash key range, and waits until the stream is ACTIVE. */
async function splitInHalves(streamName: string): Promise<void> {
  await aws.kinesis.kinesisClient.send(
    new SplitShardCommand({ StreamName: streamName, ShardToSplit: shardId(0), NewStartingHashKey: String(2n ** 127n) }),
  );
  await aws.kinesis.waitForStreamActive(streamName);
}

describe('lease table (dynalite)', () => {
  it('refuses a table with a foreign key schema, writing nothing', async () => {
    const tableName = uniqueName('foreign');
    await aws.dynamoDb.createTable({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName });
    await expect(table.initialize()).rejects.toBeInstanceOf(LeaseTableMismatchError);
    const scan = await aws.dynamoDb.dynamoDbClient.send(new ScanCommand({ TableName: tableName }));
    expect(scan.Count).toBe(0);
  });

  it('refuses a leaseKey table holding foreign items, leaving them untouched', async () => {
    const tableName = uniqueName('foreign-items');
    await aws.dynamoDb.createTable({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    const item = { leaseKey: { S: 'user-42' }, email: { S: 'a@example.com' } };
    await aws.dynamoDb.dynamoDbClient.send(new PutItemCommand({ TableName: tableName, Item: item }));
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName });
    await expect(table.initialize()).rejects.toBeInstanceOf(LeaseTableMismatchError);
    const scan = await aws.dynamoDb.dynamoDbClient.send(new ScanCommand({ TableName: tableName }));
    expect(scan.Items).toEqual([item]);
  });

  it('adopts a table seeded exactly as the Java KCL writes it, and continues from its checkpoints', async () => {
    // Prepare: shard 0 was split into 2 and 3 and finished under the KCL; shard 1 was mid-aggregate.
    const streamName = uniqueName('kcl');
    await aws.kinesis.createStream(streamName, 2);
    const kinesis = aws.kinesis.kinesisClient;
    const put = await kinesis.send(
      new PutRecordCommand({
        StreamName: streamName,
        PartitionKey: 'k',
        Data: Buffer.from('x'),
        ExplicitHashKey: '340282366920938463463374607431768211455',
      }),
    );
    expect(put.ShardId).toBe(shardId(1));
    await kinesis.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: shardId(0),
        NewStartingHashKey: '85070591730234615865843651857942052864',
      }),
    );
    await aws.kinesis.waitForStreamActive(streamName);
    const tableName = uniqueName('kcl');
    await aws.dynamoDb.createTable({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    const kclItems = [
      {
        leaseKey: { S: shardId(0) },
        leaseOwner: { S: 'kcl-host-1' },
        leaseCounter: { N: '1873' },
        ownerSwitchesSinceCheckpoint: { N: '0' },
        checkpoint: { S: 'SHARD_END' },
        checkpointSubSequenceNumber: { N: '0' },
        childShardIds: { SS: [shardId(2), shardId(3)] },
        startingHashKey: { S: '0' },
        endingHashKey: { S: '170141183460469231731687303715884105727' },
      },
      {
        leaseKey: { S: shardId(1) },
        leaseOwner: { S: 'kcl-host-2' },
        leaseCounter: { N: '9021' },
        ownerSwitchesSinceCheckpoint: { N: '2' },
        checkpoint: { S: put.SequenceNumber as string },
        checkpointSubSequenceNumber: { N: '5' },
        startingHashKey: { S: '170141183460469231731687303715884105728' },
        endingHashKey: { S: '340282366920938463463374607431768211455' },
      },
      {
        leaseKey: { S: shardId(2) },
        leaseCounter: { N: '0' },
        ownerSwitchesSinceCheckpoint: { N: '0' },
        checkpoint: { S: 'TRIM_HORIZON' },
        checkpointSubSequenceNumber: { N: '0' },
        parentShardId: { SS: [shardId(0)] },
      },
    ];
    for (const Item of kclItems)
      await aws.dynamoDb.dynamoDbClient.send(new PutItemCommand({ TableName: tableName, Item }));
    const worker = makeWorker('kk-1', {
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      kinesisClient: aws.kinesis.createKinesisClient(),
      streamName,
      tableName,
      failoverTimeMs: 2_000,
      takingIntervalMs: 100,
      initialPosition: 'LATEST',
    });

    // Act: the KCL workers are gone; their leases expire and are taken; shard 3's missing lease is created.
    await worker.coordinator.start();
    const deadline = Date.now() + 10_000;
    while (worker.coordinator.getHeldLeases().size < 3 && Date.now() < deadline) await worker.coordinator.takeOnce();
    const held = worker.coordinator.getHeldLeases();
    const shard1 = held.get(shardId(1));
    await worker.coordinator.checkpoint(shardId(1), {
      sequenceNumber: put.SequenceNumber as string,
      subSequenceNumber: 6,
    });
    await worker.coordinator.stop();
    const raw = await aws.dynamoDb.dynamoDbClient.send(
      new GetItemCommand({ TableName: tableName, Key: { leaseKey: { S: shardId(1) } }, ConsistentRead: true }),
    );
    const child3 = await worker.table.getLease(shardId(3));

    // Assess
    expect([...held.keys()].sort()).toEqual([shardId(1), shardId(2), shardId(3)]);
    expect(shard1?.checkpoint).toEqual({ sequenceNumber: put.SequenceNumber, subSequenceNumber: 5 });
    expect(shard1?.ownerSwitchesSinceCheckpoint).toBe(3);
    expect(child3?.checkpoint.sequenceNumber).toBe('TRIM_HORIZON'); // child of a leased parent, despite LATEST
    expect(child3?.parentShardIds).toEqual([shardId(0)]);
    expect((await worker.table.getLease(shardId(0)))?.leaseOwner).toBe('kcl-host-1'); // finished: never taken
    expect(await worker.coordinator.parentsFinished(shardId(2))).toBe(true);
    // Still the KCL's layout and types, so a KCL worker can take over again.
    expect(raw.Item).toMatchObject({
      leaseKey: { S: shardId(1) },
      leaseOwner: { S: 'kk-1' },
      leaseCounter: { N: expect.stringMatching(/^\d+$/) },
      checkpoint: { S: put.SequenceNumber },
      checkpointSubSequenceNumber: { N: '6' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      startingHashKey: { S: '170141183460469231731687303715884105728' },
    });
    expect(Number(raw.Item?.leaseCounter?.N)).toBeGreaterThan(9021);
  }, 30_000);

  it('split and merge: children get leases with their lineage, wait for every parent, and start after SHARD_END', async () => {
    // Prepare
    const streamName = uniqueName('reshard');
    await aws.kinesis.createStream(streamName, 3);
    const tableName = uniqueName('reshard');
    const worker = makeWorker('rs-1', {
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      kinesisClient: aws.kinesis.createKinesisClient(),
      streamName,
      tableName,
      failoverTimeMs: 2_000,
      takingIntervalMs: 100,
    });
    await worker.coordinator.start();
    expect(worker.coordinator.getHeldLeases().size).toBe(3);
    const kinesis = aws.kinesis.kinesisClient;
    const shards = await worker.table.listLeases();
    const s1 = shards.find((l) => l.leaseKey === shardId(1));
    const mid =
      (BigInt(s1?.hashKeyRange?.startingHashKey ?? '0') + BigInt(s1?.hashKeyRange?.endingHashKey ?? '0')) / 2n;

    // Act: split shard 0, merge shards 1 and 2.
    await kinesis.send(
      new SplitShardCommand({ StreamName: streamName, ShardToSplit: shardId(0), NewStartingHashKey: String(mid / 2n) }),
    );
    await aws.kinesis.waitForStreamActive(streamName);
    await kinesis.send(
      new MergeShardsCommand({ StreamName: streamName, ShardToMerge: shardId(1), AdjacentShardToMerge: shardId(2) }),
    );
    await aws.kinesis.waitForStreamActive(streamName);
    const sync = await worker.coordinator.syncOnce();
    const merged = await worker.table.getLease(shardId(5));
    const waitingBefore = await worker.coordinator.parentsFinished(shardId(5));
    // Shard 1 ends with ChildShards from its last GetRecords (as the worker sees it); shard 2 and 0 without.
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId(1), ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    await worker.coordinator.shardEnded(shardId(1), page.ChildShards as ChildShardInfo[]);
    const waitingOnOne = await worker.coordinator.parentsFinished(shardId(5));
    await worker.coordinator.shardEnded(shardId(2));
    await worker.coordinator.shardEnded(shardId(0));
    for (let i = 0; i < 3; i++) await worker.coordinator.takeOnce();
    await worker.coordinator.stop();
    const leases = new Map((await worker.table.listLeases()).map((l) => [l.leaseKey, l]));

    // Assess
    expect(sync.created.sort()).toEqual([shardId(3), shardId(4), shardId(5)]);
    expect(merged?.parentShardIds).toEqual([shardId(1), shardId(2)]);
    expect(merged?.checkpoint.sequenceNumber).toBe('TRIM_HORIZON');
    expect(waitingBefore).toBe(false);
    expect(page.ChildShards?.map((c) => c.ShardId)).toEqual([shardId(5)]);
    expect(waitingOnOne).toBe(false);
    expect(await worker.coordinator.parentsFinished(shardId(5))).toBe(true);
    expect(await worker.coordinator.parentsFinished(shardId(3))).toBe(true);
    for (const parent of [0, 1, 2]) {
      expect(leases.get(shardId(parent))?.checkpoint.sequenceNumber).toBe('SHARD_END');
      expect(leases.get(shardId(parent))?.leaseOwner).toBeUndefined();
    }
    expect(leases.get(shardId(1))?.childShardIds).toEqual([shardId(5)]);
    expect([...(leases.get(shardId(0))?.childShardIds ?? [])].sort()).toEqual([shardId(3), shardId(4)]);
    // Every shard has a lease; the children are held (their runners would start now).
    expect([...leases.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5].map(shardId));
    expect([...worker.coordinator.getHeldLeases().keys()].sort()).toEqual([3, 4, 5].map(shardId));
  }, 30_000);

  it('a shard sync planning from a stale lease list creates no LATEST lease below a leased shard', async () => {
    // Prepare: a LATEST application on one shard, then a split and a merge of the children.
    const streamName = uniqueName('stale-sync');
    await aws.kinesis.createStream(streamName, 1);
    const worker = makeWorker('ss-1', {
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      kinesisClient: aws.kinesis.createKinesisClient(),
      streamName,
      tableName: uniqueName('stale-sync'),
      initialPosition: 'LATEST',
      failoverTimeMs: 2_000,
      takingIntervalMs: 100,
    });
    await worker.coordinator.start();
    const kinesis = aws.kinesis.kinesisClient;
    await splitInHalves(streamName);
    await kinesis.send(
      new MergeShardsCommand({ StreamName: streamName, ShardToMerge: shardId(1), AdjacentShardToMerge: shardId(2) }),
    );
    await aws.kinesis.waitForStreamActive(streamName);

    // Act: a sync handed the lease list of a scan from before shard 0's lease existed (an old take's, or a stale
    // eventually consistent one).
    const sync = await worker.coordinator.syncOnce([]);
    await worker.coordinator.stop();
    const leases = new Map((await worker.table.listLeases()).map((l) => [l.leaseKey, l]));

    // Assess: the children read from their start (after their parents), as with an up-to-date list.
    expect(sync.created.sort()).toEqual([1, 2, 3].map(shardId));
    for (const child of [1, 2, 3]) expect(leases.get(shardId(child))?.checkpoint.sequenceNumber).toBe('TRIM_HORIZON');
  }, 30_000);

  describe('LATEST: a sync from an older listing (the shard still open there) never starts a split shard late', () => {
    /** A LATEST stream of one shard, split; its listing from before the split; a worker that sees only that listing. */
    async function splitStream(name: string) {
      const streamName = uniqueName(name);
      const tableName = uniqueName(name);
      await aws.kinesis.createStream(streamName, 1);
      const kinesis = aws.kinesis.kinesisClient;
      const before = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
      await splitInHalves(streamName);
      const staleClient = aws.kinesis.createKinesisClient();
      staleClient.middlewareStack.add(
        (next, context) => async (args) =>
          context.commandName === 'ListShardsCommand'
            ? ({ output: before, response: {} } as Awaited<ReturnType<typeof next>>)
            : next(args),
        { step: 'initialize', name: 'olderListing' },
      );
      const worker = (
        id: string,
        {
          kinesisClient = aws.kinesis.createKinesisClient(),
          dynamoDbClient = aws.dynamoDb.createDynamoDbClient(),
        } = {},
      ) => makeWorker(id, { dynamoDbClient, kinesisClient, streamName, tableName, initialPosition: 'LATEST' });
      const stale = worker('stale', { kinesisClient: staleClient });
      await stale.table.initialize();
      return { stale, worker };
    }
    const checkpoints = async (w: { table: DynamoDBLeaseTable }) =>
      Object.fromEntries((await w.table.listLeases()).map((l) => [l.leaseKey, l.checkpoint.sequenceNumber]));

    it('the closed shard gets a finished lease, so the older listing cannot create one to read', async () => {
      // Prepare
      const { stale, worker } = await splitStream('older-listing');
      const fresh = worker('fresh');

      // Act: the fresh listing's sync first, then the older one's.
      const freshSync = await fresh.coordinator.syncOnce();
      const staleSync = await stale.coordinator.syncOnce();

      // Assess: the parent is finished (never read); only the children are read, from LATEST.
      expect(freshSync.created).toEqual([0, 1, 2].map(shardId));
      expect(staleSync.created).toEqual([]);
      expect(await checkpoints(fresh)).toEqual({
        [shardId(0)]: 'SHARD_END',
        [shardId(1)]: 'LATEST',
        [shardId(2)]: 'LATEST',
      });
    }, 30_000);

    it("an older listing's LATEST lease landing between a sync's read and its creates makes it plan again", async () => {
      // Prepare: the fresh worker's first create (the parent's finished lease) waits until the stale sync is done.
      const { stale, worker } = await splitStream('interleaved');
      const dynamoDbClient = aws.dynamoDb.createDynamoDbClient();
      let staleDone: Promise<unknown> | undefined;
      dynamoDbClient.middlewareStack.add(
        (next, context) => async (args) => {
          const item = (args.input as { Item?: { leaseKey?: { S?: string } } }).Item;
          if (context.commandName === 'PutItemCommand' && item?.leaseKey?.S === shardId(0) && staleDone === undefined) {
            staleDone = stale.coordinator.syncOnce();
            await staleDone;
          }
          return next(args);
        },
        { step: 'initialize', name: 'interleave' },
      );
      const fresh = worker('fresh', { dynamoDbClient });

      // Act
      const freshSync = await fresh.coordinator.syncOnce();

      // Assess: the parent's lease is the older listing's (LATEST, to be read), so the children wait for it.
      expect(await staleDone).toMatchObject({ created: [shardId(0)] });
      expect(freshSync.created).toEqual([1, 2].map(shardId));
      expect(await checkpoints(fresh)).toEqual({
        [shardId(0)]: 'LATEST',
        [shardId(1)]: 'TRIM_HORIZON',
        [shardId(2)]: 'TRIM_HORIZON',
      });
    }, 30_000);
  });
});
