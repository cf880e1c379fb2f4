import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { ageShardIterator, type LocalAws, measureKinesisPace, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let aws: LocalAws;
let streamCounter = 0;
beforeAll(async () => {
  aws = await startLocalAws();
  await aws.dynamoDb.createTable({
    TableName: 'faults-table',
    AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
});
afterAll(() => aws.stop());

async function newStream(shards = 1) {
  const name = `faults-${++streamCounter}`;
  await aws.kinesis.createStream(name, shards);
  return name;
}

async function readAll(client = aws.kinesis.kinesisClient, streamName: string): Promise<string[]> {
  const data: string[] = [];
  const shards = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  for (const shard of shards) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (const r of (await client.send(new GetRecordsCommand({ ShardIterator }))).Records ?? []) {
      data.push(Buffer.from(r.Data ?? []).toString());
    }
  }
  return data.sort();
}

const entries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(String(i).padStart(3, '0')) }));

describe('withFaults', () => {
  it('throttles the named command a given number of times, below the SDK retry layer', async () => {
    const streamName = await newStream();
    const noRetry = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
    const faults = withFaults(noRetry, [{ commands: ['PutRecords'], fault: 'throttle', times: 2 }]);

    const first = await noRetry
      .send(new PutRecordsCommand({ StreamName: streamName, Records: entries(1) }))
      .catch((e: Error) => e);
    const retrying = aws.kinesis.createKinesisClient({ maxAttempts: 3 });
    const retryingFaults = withFaults(retrying, [{ commands: ['PutRecords'], fault: 'throttle', times: 2 }]);
    const afterRetries = await retrying.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(1) }));

    expect((first as Error).name).toBe('ProvisionedThroughputExceededException');
    expect(faults.count()).toBe(1);
    // The SDK's own retry strategy saw both injected throttles and its third attempt went through.
    expect(retryingFaults.count()).toBe(2);
    expect(afterRetries.FailedRecordCount).toBe(0);
    // Only the record of the successful call was written: injected errors never reach the server.
    expect(await readAll(undefined, streamName)).toEqual(['000']);
  });

  it('fails part of a PutRecords call, and the failed entries are not written', async () => {
    const streamName = await newStream(2);
    const client = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
    let n = 0;
    withFaults(client, [{ fault: 'partial', failureRate: 0.5, random: () => (n++ % 2 === 0 ? 0.1 : 0.9) }]);

    const result = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(10) }));

    expect(result.FailedRecordCount).toBe(5);
    const failed = (result.Records ?? []).map((r) => r.ErrorCode ?? 'ok');
    expect(failed).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'ProvisionedThroughputExceededException' : 'ok')),
    );
    expect(await readAll(undefined, streamName)).toEqual(['001', '003', '005', '007', '009']);
  });

  it('with afterSend, the server does the work and the caller sees the error', async () => {
    const streamName = await newStream();
    const client = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
    withFaults(client, [{ commands: ['PutRecords'], fault: 'reset', afterSend: true, times: 1 }]);

    const error = await client
      .send(new PutRecordsCommand({ StreamName: streamName, Records: entries(1) }))
      .catch((e) => e);

    expect((error as { code?: string }).code).toBe('ECONNRESET');
    expect(await readAll(undefined, streamName)).toEqual(['000']);
  });

  it('injects 500s, timeouts and custom DynamoDB errors, and honours after/when', async () => {
    const dynamo = aws.dynamoDb.createDynamoDbClient({ maxAttempts: 1 });
    const faults = withFaults(dynamo, [
      { commands: ['GetItem'], fault: 'internal', after: 1, times: 1 },
      { commands: ['GetItem'], fault: 'timeout', when: (input) => (input.Key as { k: { S: string } }).k.S === 'slow' },
      { commands: ['UpdateItem'], fault: { errorName: 'ConditionalCheckFailedException' } },
    ]);
    const get = (k: string) =>
      dynamo.send(new GetItemCommand({ TableName: 'faults-table', Key: { k: { S: k } } })).then(
        () => 'ok',
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => `${e.name}:${e.$metadata?.httpStatusCode ?? '-'}`,
      );

    const results = [await get('a'), await get('a'), await get('a'), await get('slow')];

    expect(results).toEqual(['ok', 'InternalFailure:500', 'ok', 'TimeoutError:-']);
    expect(faults.count(0)).toBe(1);
    expect(faults.count(1)).toBe(1);
  });

  it('holds a call until an event (`until`), then lets it through', async () => {
    const streamName = await newStream();
    const client = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    withFaults(client, [{ commands: ['PutRecords'], fault: 'delay', until: released, times: 1 }]);
    let answered = false;
    const call = client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(1) })).then((r) => {
      answered = true;
      return r;
    });
    // Many turns of the event loop (no timer) and the call is still held; released, it reaches the server.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    expect((await call).FailedRecordCount).toBe(0);
    expect(await readAll(undefined, streamName)).toEqual(['000']);
  });

  it('measures how fast the server answers PutRecords now, and derives a request timeout from it', async () => {
    const pace = await measureKinesisPace(aws.kinesis, { samples: 3, windowMs: 0, records: 10 });
    expect(pace.samplesMs).toHaveLength(3);
    expect(pace.maxMs).toBe(Math.max(...pace.samplesMs));
    expect(pace.medianMs).toBeLessThanOrEqual(pace.maxMs);
    expect(pace.requestTimeoutMs({ margin: 4 })).toBe(Math.ceil(pace.maxMs * 4));
    expect(pace.requestTimeoutMs({ margin: 1, minMs: 3_600_000 })).toBe(3_600_000);
  });

  it('forges aged shard iterators that the server rejects as expired', async () => {
    const streamName = await newStream();
    const { ShardIterator } = await aws.kinesis.kinesisClient.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const fresh = ageShardIterator(ShardIterator as string, 299_000);
    const expired = ageShardIterator(ShardIterator as string, 301_000);

    await expect(
      aws.kinesis.kinesisClient.send(new GetRecordsCommand({ ShardIterator: fresh })),
    ).resolves.toBeDefined();
    await expect(
      aws.kinesis.kinesisClient.send(new GetRecordsCommand({ ShardIterator: expired })),
    ).rejects.toMatchObject({
      name: 'ExpiredIteratorException',
    });
  });
});
