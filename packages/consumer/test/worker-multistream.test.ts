// One application reading several streams through one lease table (the KCL multi-stream layout), over
// kinesis-local + dynalite: worker processes with a stream tracker, streams added and removed at runtime, a kill -9
// and a split mid-run; a table the Java KCL wrote in its multi-stream format; the table-mismatch checks.
// Worker processes import the BUILT package (run `node scripts/build.mjs` first).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { KinesisConsumer, StreamMismatchError } from '@kinesis-kit/consumer';
import { DynamoDBLeaseTable } from '@kinesis-kit/consumer/leases';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, putNumbered } from './fixtures/streamData.js';
import {
  allLines,
  checkDeliveries,
  killWorkers,
  shardsHeld,
  spawnWorker,
  type WorkerProcess,
} from './fixtures/workerProcesses.js';

let aws: LocalAws;
const dir = mkdtempSync(path.join(tmpdir(), 'kk-multistream-'));
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  aws = await startLocalAws();
}, 30_000);
afterAll(async () => {
  await killWorkers(workers);
  await aws?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function streamIdentifier(stream: string): Promise<string> {
  const out = await aws.kinesis.kinesisClient.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  const s = out.StreamDescriptionSummary!;
  return `${s.StreamARN!.split(':')[4]}:${s.StreamName}:${Math.floor(s.StreamCreationTimestamp!.getTime() / 1000)}`;
}

/** Numbers of the records processed from `stream` (shards are logged as `stream/shardId`). */
function processed(files: string[], stream: string): Set<number> {
  return new Set(
    allLines(files)
      .filter((l) => l.type === undefined && l.shardId?.startsWith(`${stream}/`) && l.n !== undefined)
      .map((l) => l.n as number),
  );
}

describe('several streams through one lease table', () => {
  it('3 worker processes, 3 streams, one added and one removed at runtime, a kill -9 and a split mid-run: nothing lost', async () => {
    // Prepare: streams a, b, c read from the start; d exists but is added later (its records since TRIM_HORIZON).
    const [a, b, c, d] = ['ms-a', 'ms-b', 'ms-c', 'ms-d'];
    await aws.kinesis.createStream(a!, 2);
    await aws.kinesis.createStream(b!, 2);
    await aws.kinesis.createStream(c!, 1);
    await aws.kinesis.createStream(d!, 1);
    const streamsFile = path.join(dir, 'streams.json');
    writeFileSync(streamsFile, JSON.stringify([a, b, c]));
    const files = [0, 1, 2].map((i) => path.join(dir, `ms-${i}.jsonl`));
    for (let i = 0; i < 3; i++)
      workers.push(await spawnWorker(aws, { id: `ms-w${i}`, streamsFile, app: 'kk-multistream', out: files[i]! }));
    const mine = workers.slice(-3);
    const put = (stream: string, from: number, count: number) =>
      putNumbered(aws.kinesis.kinesisClient, stream, from, count);

    // Act 1: records on every stream (d's wait for it to be added); a split of one of a's shards; a kill -9.
    for (const [stream, from] of [
      [a, 0],
      [b, 0],
      [c, 0],
      [d, 0],
    ] as const)
      await put(stream!, from, 200);
    const shards = await aws.kinesis.kinesisClient.send(new ListShardsCommand({ StreamName: a }));
    const parent = shards.Shards![0]!;
    const middle = (BigInt(parent.HashKeyRange!.StartingHashKey!) + BigInt(parent.HashKeyRange!.EndingHashKey!)) / 2n;
    await aws.kinesis.kinesisClient.send(
      new SplitShardCommand({ StreamName: a, ShardToSplit: parent.ShardId!, NewStartingHashKey: String(middle) }),
    );
    await until(
      async () =>
        (await aws.kinesis.kinesisClient.send(new DescribeStreamSummaryCommand({ StreamName: a })))
          .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
      10_000,
      'the split',
    );
    await put(a!, 200, 200);
    await put(b!, 200, 200);
    await until(() => processed(files, c!).size >= 200, 30_000, "stream c's records");
    const heldNow = (w: WorkerProcess) => shardsHeld(allLines(files), w.id).size;
    const victim = [...mine].sort((x, y) => heldNow(y) - heldNow(x))[0]!;
    victim.child.kill('SIGKILL');
    await victim.exited;

    // Act 2: c is removed, d added, while records keep coming on a, b and d.
    writeFileSync(streamsFile, JSON.stringify([a, b, d]));
    await put(a!, 400, 200);
    await put(b!, 400, 200);
    await put(d!, 200, 200);
    await until(
      () => processed(files, a!).size === 600 && processed(files, b!).size === 600 && processed(files, d!).size === 400,
      60_000,
      'every record of a, b and d',
    );

    // Assess: nothing lost on any stream; c's leases released and, after the deferred deletion, gone.
    const lines = allLines(files);
    for (const [stream, total] of [
      [a, 600],
      [b, 600],
      [d, 400],
    ] as const) {
      const mineOnly = lines.filter((l) => l.shardId?.startsWith(`${stream}/`) || l.type !== undefined);
      expect(checkDeliveries(mineOnly, total).missing, `stream ${stream}`).toEqual([]);
    }
    expect(processed(files, c!).size).toBe(200);
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: 'kk-multistream' });
    const cId = await streamIdentifier(c!);
    await until(
      async () => (await table.listLeases()).every((l) => l.stream !== cId),
      30_000,
      "stream c's leases deleted (deferred deletion)",
    );
    const leases = await table.listLeases();
    const aId = await streamIdentifier(a!);
    // The KCL multi-stream layout: key = identifier:shardId, with the shard id apart.
    for (const lease of leases) expect(lease.leaseKey).toBe(`${lease.stream}:${lease.shardId}`);
    expect(leases.filter((l) => l.stream === aId).length).toBe(4); // 2 shards + the split's 2 children
    const { duplicates } = checkDeliveries(
      lines.filter((l) => l.type !== undefined || !l.shardId?.startsWith(`${c}/`)),
      0,
    );
    console.log(
      `[multistream] 4 streams, kill -9 of ${victim.id}, a split: 0 lost, ${duplicates} duplicate deliveries`,
    );
    await killWorkers(workers); // done with them: the next tests run in this process alone
  }, 180_000);

  it('adopts a table the Java KCL wrote in its multi-stream layout, continuing from its checkpoints', async () => {
    // Prepare: a stream with 60 records; a KCL multi-stream lease at the 30th record's sequence number.
    const stream = 'ms-kcl';
    await aws.kinesis.createStream(stream, 1);
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 60);
    const seqs: string[] = [];
    const probe = new KinesisConsumer({
      streamName: stream,
      applicationName: 'kk-ms-probe2',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      keepProcessAlive: false,
      eachBatch: ({ records }) => {
        for (const r of records) seqs.push(r.sequenceNumber);
      },
    });
    await probe.start();
    await until(() => seqs.length === 60, 20_000, 'the probe read');
    await probe.stop();
    const id = await streamIdentifier(stream);
    const shardId = 'shardId-000000000000';
    const app = 'kk-kcl-multistream';
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    await table.initialize();
    // Exactly the attributes DynamoDBMultiStreamLeaseSerializer writes (no kinesis-kit attribute at all).
    await aws.dynamoDb.dynamoDbClient.send(
      new PutItemCommand({
        TableName: app,
        Item: {
          leaseKey: { S: `${id}:${shardId}` },
          leaseOwner: { S: 'kcl-worker-gone' },
          leaseCounter: { N: '42' },
          checkpoint: { S: seqs[29]! },
          checkpointSubSequenceNumber: { N: '0' },
          ownerSwitchesSinceCheckpoint: { N: '0' },
          streamName: { S: id },
          shardId: { S: shardId },
          startingHashKey: { S: '0' },
          endingHashKey: { S: '340282366920938463463374607431768211455' },
        },
      }),
    );
    const delivered: number[] = [];
    const consumer = new KinesisConsumer({
      streams: [{ streamName: stream }],
      applicationName: app,
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      failoverTimeMs: 2_000,
      keepProcessAlive: false,
      eachBatch: ({ records, streamName }) => {
        expect(streamName).toBe(stream);
        for (const r of records) delivered.push(decode(shardId, r).n);
      },
    });

    // Act: the KCL owner is gone; its lease expires and is taken with its checkpoint.
    await consumer.start();
    await until(() => delivered.length >= 30, 20_000, 'the records after the KCL checkpoint');
    await consumer.stop();

    // Assess: exactly the 30 records after the checkpoint, in order; the lease stays in the KCL layout.
    expect(delivered).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    const [lease] = await table.listLeases();
    expect(lease).toMatchObject({ leaseKey: `${id}:${shardId}`, stream: id, shardId });
  }, 60_000);

  it('refuses a single-stream table for a multi-stream application, and a multi-stream table for a single stream', async () => {
    const stream = 'ms-mismatch';
    await aws.kinesis.createStream(stream, 1);
    const common = {
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      keepProcessAlive: false,
      eachBatch: () => undefined,
    };
    const single = new KinesisConsumer({ ...common, streamName: stream, applicationName: 'kk-ms-single' });
    await single.start();
    await single.stop();
    const multi = new KinesisConsumer({ ...common, streams: [{ streamName: stream }], applicationName: 'kk-ms-multi' });
    await multi.start();
    await multi.stop();

    await expect(
      new KinesisConsumer({ ...common, streams: [{ streamName: stream }], applicationName: 'kk-ms-single' }).start(),
    ).rejects.toBeInstanceOf(StreamMismatchError);
    await expect(
      new KinesisConsumer({ ...common, streamName: stream, applicationName: 'kk-ms-multi' }).start(),
    ).rejects.toBeInstanceOf(StreamMismatchError);
  }, 60_000);
});
