// The in-memory services must behave as AWS does where the consumer depends on it, and refuse what they do not
// model: a fake that guessed would make the simulation prove nothing.
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { FakeDynamoDB } from '../../sim/dynamodb/FakeDynamoDB.js';
import { LeaseStore } from '../../sim/dynamodb/LeaseStore.js';
import { FakeKinesis } from '../../sim/kinesis/FakeKinesis.js';
import { SimProducer } from '../../sim/kinesis/SimProducer.js';
import { SimStream } from '../../sim/kinesis/SimStream.js';
import { type CallContext, HarnessError } from '../../sim/network/callFate.js';
import { Random } from '../../sim/world/Random.js';
import { World } from '../../sim/world/World.js';

const call = (): CallContext => ({ caller: 'w1', op: 'test', answer: 'pending' });

function dynamo() {
  const world = new World();
  const db = new FakeDynamoDB(new LeaseStore(new Random(1), 0), world, new Random(2));
  db.handle(
    new CreateTableCommand({
      TableName: 'leases',
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
    }),
    call(),
  );
  const put = (counter: number) =>
    db.handle(
      new PutItemCommand({
        TableName: 'leases',
        Item: { leaseKey: { S: 's0' }, leaseCounter: { N: String(counter) }, checkpoint: { S: 'TRIM_HORIZON' } },
      }),
      call(),
    );
  const get = () =>
    (
      db.handle(
        new GetItemCommand({ TableName: 'leases', Key: { leaseKey: { S: 's0' } }, ConsistentRead: true }),
        call(),
      ) as { Item?: Record<string, { S?: string; N?: string }> }
    ).Item;
  return { db, put, get };
}

describe('FakeDynamoDB', () => {
  it('applies the lease table updates: SET with if_not_exists + :one, REMOVE, conditions on counter and owner', () => {
    const { db, put, get } = dynamo();
    put(4);
    db.handle(
      new UpdateItemCommand({
        TableName: 'leases',
        Key: { leaseKey: { S: 's0' } },
        UpdateExpression:
          'SET #owner = :owner, #counter = :next, #switches = if_not_exists(#switches, :zero) + :one REMOVE #cp',
        ConditionExpression: 'attribute_exists(#key) AND #counter = :counter',
        ExpressionAttributeNames: {
          '#owner': 'leaseOwner',
          '#counter': 'leaseCounter',
          '#switches': 'ownerSwitches',
          '#cp': 'checkpoint',
          '#key': 'leaseKey',
        },
        ExpressionAttributeValues: {
          ':owner': { S: 'w1' },
          ':next': { N: '5' },
          ':counter': { N: '4' },
          ':zero': { N: '0' },
          ':one': { N: '1' },
        },
      }),
      call(),
    );
    expect(get()).toEqual({
      leaseKey: { S: 's0' },
      leaseOwner: { S: 'w1' },
      leaseCounter: { N: '5' },
      ownerSwitches: { N: '1' },
    });
    expect(db.store.writes.map((w) => w.kind)).toEqual(['create', 'take']);
  });

  it('refuses a failed condition with the SDK class, and applies nothing', () => {
    const { db, put, get } = dynamo();
    put(4);
    const renew = () =>
      db.handle(
        new UpdateItemCommand({
          TableName: 'leases',
          Key: { leaseKey: { S: 's0' } },
          UpdateExpression: 'SET #counter = :next',
          ConditionExpression: '#counter = :counter AND #owner = :owner',
          ExpressionAttributeNames: { '#counter': 'leaseCounter', '#owner': 'leaseOwner' },
          ExpressionAttributeValues: { ':next': { N: '5' }, ':counter': { N: '4' }, ':owner': { S: 'w1' } },
        }),
        call(),
      );
    expect(renew).toThrow(ConditionalCheckFailedException);
    expect(get()?.leaseCounter).toEqual({ N: '4' });
  });

  it('refuses unused placeholders as DynamoDB does (ValidationException)', () => {
    const { db } = dynamo();
    expect(() =>
      db.handle(
        new PutItemCommand({
          TableName: 'leases',
          Item: { leaseKey: { S: 's1' } },
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': 'leaseKey', '#unused': 'x' },
        }),
        call(),
      ),
    ).toThrow(/unused in expressions/);
    expect(db.validationErrors).toHaveLength(1);
  });

  it('throws a HarnessError for expressions and fields it does not model', () => {
    const { db, put } = dynamo();
    put(1);
    const update = (expression: string) => () =>
      db.handle(
        new UpdateItemCommand({
          TableName: 'leases',
          Key: { leaseKey: { S: 's0' } },
          UpdateExpression: 'SET #counter = :next',
          ConditionExpression: expression,
          ExpressionAttributeNames: { '#counter': 'leaseCounter' },
          ExpressionAttributeValues: { ':next': { N: '2' } },
        }),
        call(),
      );
    expect(update('#counter < :next')).toThrow(HarnessError);
    expect(update('attribute_exists(#counter) OR #counter = :next')).toThrow(HarnessError);
    expect(() => db.handle(new ScanCommand({ TableName: 'leases', FilterExpression: 'a = :b' }), call())).toThrow(
      HarnessError,
    );
  });
});

describe('FakeKinesis', () => {
  function kinesis() {
    const world = new World();
    const stream = new SimStream(1, new Random(3), 0);
    const producer = new SimProducer(stream, new Random(4), 4);
    for (let i = 0; i < 5; i++) producer.putPlain(0);
    producer.putAggregate(0, 3);
    return { world, stream, producer, fake: new FakeKinesis(stream, world) };
  }
  const iterator = (fake: FakeKinesis, input: Partial<ConstructorParameters<typeof GetShardIteratorCommand>[0]>) =>
    (
      fake.handle(
        new GetShardIteratorCommand({
          StreamName: 'sim-stream',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
          ...input,
        }),
        call(),
      ) as { ShardIterator: string }
    ).ShardIterator;
  const read = (fake: FakeKinesis, it: string, limit?: number) =>
    fake.handle(
      new GetRecordsCommand({ ShardIterator: it, ...(limit === undefined ? {} : { Limit: limit }) }),
      call(),
    ) as {
      Records: { SequenceNumber: string; Data: Uint8Array }[];
      NextShardIterator?: string;
      ChildShards?: { ShardId: string; ParentShards: string[] }[];
      MillisBehindLatest: number;
    };

  it('reads in order, answers a closed shard read to its end with no next iterator and its ChildShards', () => {
    const { world, stream, fake } = kinesis();
    const first = read(fake, iterator(fake, {}), 4);
    expect(first.Records).toHaveLength(4);
    expect(first.MillisBehindLatest).toBe(0); // stored at 0, read at 0
    stream.split(stream.shards[0]!, 1n << 127n, world.now);
    const last = read(fake, first.NextShardIterator!);
    expect(last.Records).toHaveLength(2);
    expect(last.NextShardIterator).toBeUndefined();
    expect(last.ChildShards?.map((c) => c.ParentShards)).toEqual([['shardId-000000000000'], ['shardId-000000000000']]);
  });

  it('positions AT/AFTER a sequence number and refuses one from another shard', () => {
    const { fake, producer, stream } = kinesis();
    const third = producer.acked[2]!;
    expect(
      read(fake, iterator(fake, { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: third.seq }))
        .Records[0]?.SequenceNumber,
    ).toBe(third.seq);
    expect(
      read(fake, iterator(fake, { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: third.seq }))
        .Records[0]?.SequenceNumber,
    ).toBe(producer.acked[3]!.seq);
    stream.split(stream.shards[0]!, 1n << 127n, 0);
    expect(() =>
      iterator(fake, {
        ShardId: 'shardId-000000000001',
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: third.seq,
      }),
    ).toThrow(InvalidArgumentException);
  });

  it('expires iterators 5 minutes after issue, and on demand', async () => {
    const { world, fake } = kinesis();
    const it = iterator(fake, {});
    await world.runUntil(300_001);
    expect(() => read(fake, it)).toThrow(ExpiredIteratorException);
    const fresh = iterator(fake, {});
    fake.iterators.expireAll('shardId-000000000000');
    expect(() => read(fake, fresh)).toThrow(ExpiredIteratorException);
  });

  it('sequence numbers are 56-digit decimal strings beyond 2^53, increasing per shard', () => {
    const { producer } = kinesis();
    const seqs = [...new Set(producer.acked.map((r) => r.seq))];
    for (const seq of seqs) expect(seq).toMatch(/^\d{56}$/);
    expect(seqs.map((s) => BigInt(s))).toEqual([...seqs.map((s) => BigInt(s))].sort((a, b) => (a < b ? -1 : 1)));
    expect(BigInt(seqs[0]!)).toBeGreaterThan(2n ** 53n);
  });
});

describe('FakeKinesis SubscribeToShard', () => {
  it('streams an event per second, ends a closed shard with ChildShards, refuses a second subscriber within 5 s', async () => {
    const { SubscribeToShardCommand, ResourceInUseException } = await import('@aws-sdk/client-kinesis');
    const world = new World();
    const stream = new SimStream(1, new Random(5), 0);
    const producer = new SimProducer(stream, new Random(6), 4);
    producer.putPlain(0);
    const fake = new FakeKinesis(stream, world);
    const subscribe = () =>
      fake.handle(
        new SubscribeToShardCommand({
          ConsumerARN: fake.consumerArn,
          ShardId: 'shardId-000000000000',
          StartingPosition: { Type: 'TRIM_HORIZON' },
        }),
        call(),
      ) as {
        EventStream: AsyncIterable<{
          SubscribeToShardEvent?: { Records?: unknown[]; ChildShards?: unknown[]; ContinuationSequenceNumber?: string };
        }>;
      };
    const events = subscribe().EventStream[Symbol.asyncIterator]();
    expect(subscribe).toThrow(ResourceInUseException);
    const first = events.next();
    await world.runUntil(10);
    expect((await first).value?.SubscribeToShardEvent?.Records).toHaveLength(1);
    producer.putPlain(world.now);
    stream.split(stream.shards[0]!, 1n << 127n, world.now);
    const second = events.next();
    await world.runUntil(500);
    await world.runUntil(1_020);
    const end = (await second).value?.SubscribeToShardEvent;
    expect(end?.Records).toHaveLength(1);
    expect(end?.ChildShards).toHaveLength(2);
    expect(end?.ContinuationSequenceNumber).toBeUndefined();
    expect((await events.next()).done).toBe(true);
  });
});
