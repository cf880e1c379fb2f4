// KinesisConsumer in-process over kinesis-local + dynalite with the real lease layer: resharding mid-stream,
// faults injected into real clients (GetRecords throttling, expired iterators, DynamoDB throttling), a throwing
// processor, and stop() during its retries.
import { ListShardsCommand, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import {
  type EachBatchHandler,
  KinesisConsumer,
  type KinesisConsumerSettings,
  LeaseLostError,
} from '@kinesis-kit/consumer';
import { DynamoDBLeaseTable } from '@kinesis-kit/consumer/leases';
import { type LocalAws, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './fixtures/runnerHarness.js';
import { putNumbered } from './fixtures/streamData.js';

let aws: LocalAws;
let counter = 0;
const consumers: KinesisConsumer[] = [];

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.stop()));
  await aws?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Got {
  w: string;
  shardId: string;
  key: string;
  n: number;
  t: number;
}

function consumer(
  streamName: string,
  app: string,
  workerId: string,
  got: Got[],
  overrides: Partial<KinesisConsumerSettings> & { eachBatch?: EachBatchHandler } = {},
): KinesisConsumer {
  const c = new KinesisConsumer({
    streamName,
    applicationName: app,
    workerId,
    kinesisClient: aws.kinesis.createKinesisClient(),
    dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
    initialPosition: 'TRIM_HORIZON',
    failoverTimeMs: 3_000,
    parentShardPollIntervalMs: 200,
    schedulerTickMs: 200,
    eachBatch: ({ shardId, records }) => {
      const t = Date.now();
      for (const r of records) {
        const { key, n } = JSON.parse(Buffer.from(r.data).toString('utf8')) as { key: string; n: number };
        got.push({ w: workerId, shardId, key, n, t });
      }
    },
    ...overrides,
  });
  consumers.push(c);
  return c;
}

function missingOf(got: readonly Got[], total: number): number[] {
  const seen = new Set(got.map((g) => g.n));
  return Array.from({ length: total }, (_, n) => n).filter((n) => !seen.has(n));
}

describe('KinesisConsumer (in-process) with the real lease layer', () => {
  it('split and merge mid-stream: parents finish before children, nothing lost, per-key order kept', async () => {
    // Prepare
    const stream = `reshard-${++counter}`;
    await aws.kinesis.createStream(stream, 2);
    const got: Got[] = [];
    const a = consumer(stream, `app-reshard-${counter}`, 'ra', got);
    const b = consumer(stream, `app-reshard-${counter}`, 'rb', got);
    await Promise.all([a.start(), b.start()]);
    const client = aws.kinesis.kinesisClient;
    // Act: produce in order; split shard 0, then merge its upper child with shard 1.
    let n = 0;
    const put = async (count: number) => {
      await putNumbered(client, stream, n, count, 8);
      n += count;
    };
    for (let i = 0; i < 10; i++) await put(20);
    const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    const s0 = shards[0]!;
    const middle = (BigInt(s0.HashKeyRange!.StartingHashKey!) + BigInt(s0.HashKeyRange!.EndingHashKey!)) / 2n;
    await client.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: s0.ShardId!, NewStartingHashKey: middle.toString() }),
    );
    for (let i = 0; i < 10; i++) await put(20);
    const afterSplit = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    const upperChild = afterSplit.find(
      (s) => s.ParentShardId === s0.ShardId && s.HashKeyRange!.StartingHashKey === middle.toString(),
    )!;
    await client.send(
      new MergeShardsCommand({
        StreamName: stream,
        ShardToMerge: upperChild.ShardId!,
        AdjacentShardToMerge: shards[1]!.ShardId!,
      }),
    );
    for (let i = 0; i < 10; i++) await put(20);
    await until(() => missingOf(got, n).length === 0, 40_000, 'every record');
    await Promise.all([a.stop(), b.stop()]);
    // Assess
    expect(missingOf(got, n)).toEqual([]);
    const all = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    for (const shard of all) {
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined);
      const firstOfChild = Math.min(...got.filter((g) => g.shardId === shard.ShardId).map((g) => g.t));
      for (const parent of parents) {
        const lastOfParent = Math.max(...got.filter((g) => g.shardId === parent).map((g) => g.t));
        expect(lastOfParent).toBeLessThanOrEqual(firstOfChild);
      }
    }
    // Per key, in delivery order (across shards and workers), n only goes up — except re-deliveries.
    const byKey = new Map<string, number>();
    const seen = new Set<number>();
    for (const g of [...got].sort((x, y) => x.t - y.t)) {
      if (seen.has(g.n)) continue;
      seen.add(g.n);
      const previous = byKey.get(g.key) ?? -1;
      expect(g.n).toBeGreaterThan(previous);
      byKey.set(g.key, g.n);
    }
  });

  it('GetRecords throttling, expired iterators and DynamoDB throttling injected: nothing lost, the worker recovers', async () => {
    // Prepare
    const stream = `faults-${++counter}`;
    await aws.kinesis.createStream(stream, 2);
    const got: Got[] = [];
    const kinesisClient = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
    const dynamoDbClient = aws.dynamoDb.createDynamoDbClient({ maxAttempts: 1 });
    // Certain faults at fixed call positions (so every run exercises both recoveries), plus random throttling noise.
    // (With only random rolls a fast run of ~25 GetRecords calls saw no expired iterator about one time in six.)
    const kinesisFaults = withFaults(kinesisClient, [
      { commands: ['GetRecords'], fault: { errorName: 'ExpiredIteratorException' }, after: 3, times: 2 },
      { commands: ['GetRecords'], fault: 'throttle', after: 5, times: 4 },
      { commands: ['GetRecords'], fault: 'throttle', probability: 0.3 },
    ]);
    // Random throttling from the start (start() retries through it); the certain DynamoDB faults come once running.
    const dynamoFaults = withFaults(dynamoDbClient, [
      { commands: ['UpdateItem', 'GetItem', 'Scan'], fault: 'throttle', probability: 0.3 },
    ]);
    const c = consumer(stream, `app-faults-${counter}`, 'fa', got, { kinesisClient, dynamoDbClient });
    await c.start();
    const certainDynamo = dynamoFaults.add({
      commands: ['UpdateItem', 'GetItem', 'Scan'],
      fault: 'throttle',
      times: 4,
    });
    // Act: records keep coming until every certain fault has hit, so the worker recovers from each with data flowing.
    const certainFaultsHit = () =>
      kinesisFaults.count(0) === 2 && kinesisFaults.count(1) === 4 && dynamoFaults.count(certainDynamo) === 4;
    let total = 0;
    while (total < 600 || !certainFaultsHit()) {
      if (total >= 6_000) throw new Error(`certain faults not all hit after ${total} records`);
      await putNumbered(aws.kinesis.kinesisClient, stream, total, 30);
      total += 30;
      await sleep(100);
    }
    await until(() => missingOf(got, total).length === 0, 40_000, 'every record');
    kinesisFaults.disable();
    dynamoFaults.disable();
    await c.stop();
    // Assess
    expect(missingOf(got, total)).toEqual([]);
    expect(kinesisFaults.count(0)).toBe(2);
    expect(kinesisFaults.count(1)).toBe(4);
    expect(dynamoFaults.count(certainDynamo)).toBe(4);
  });

  it('a throwing handler is retried, never skipped; stop() during its retries completes and hands the shard over', async () => {
    // Prepare
    const stream = `throws-${++counter}`;
    await aws.kinesis.createStream(stream, 1);
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 10);
    const attempts: number[] = [];
    const processorErrors: string[] = [];
    const c = new KinesisConsumer({
      streamName: stream,
      applicationName: `app-throws-${counter}`,
      workerId: 'thrower',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      failoverTimeMs: 3_000,
      processorRetryBaseDelayMs: 50,
      processorRetryMaxDelayMs: 200,
      eachRecord: (record) => {
        attempts.push(JSON.parse(Buffer.from(record.data).toString('utf8')).n as number);
        throw new Error('always fails');
      },
    });
    consumers.push(c);
    c.on('consumer.processor_error', ({ action }) => processorErrors.push(action));
    await c.start();
    // Act
    await until(() => attempts.length >= 5, 10_000, 'retries');
    const before = Date.now();
    await c.stop();
    // Assess: only record 0 was ever attempted (the shard never advanced), and stop() was prompt.
    expect(new Set(attempts)).toEqual(new Set([0]));
    expect(processorErrors.every((a) => a === 'retry')).toBe(true);
    expect(Date.now() - before).toBeLessThan(3_000);
    // The next worker starts from TRIM_HORIZON again: nothing was checkpointed past the failing record.
    const got: Got[] = [];
    const next = consumer(stream, `app-throws-${counter}`, 'next', got);
    await next.start();
    await until(() => got.length >= 10, 10_000, 'records on the next worker');
    await next.stop();
    expect(got.map((g) => g.n)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('starts new shards at the configured initial position: { timestamp } and LATEST', async () => {
    // Prepare: 10 records, a pause, then the cut-off time, then 10 more.
    const stream = `initial-${++counter}`;
    await aws.kinesis.createStream(stream, 1);
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 10);
    await sleep(1_100);
    const cutoff = new Date();
    await sleep(100);
    await putNumbered(aws.kinesis.kinesisClient, stream, 10, 10);
    const fromTimestamp: Got[] = [];
    const fromLatest: Got[] = [];
    const a = consumer(stream, `app-ts-${counter}`, 'ts', fromTimestamp, { initialPosition: { timestamp: cutoff } });
    const b = consumer(stream, `app-latest-${counter}`, 'latest', fromLatest, { initialPosition: 'LATEST' });
    await Promise.all([a.start(), b.start()]);
    await until(
      () => b.metrics().shards[Object.keys(b.metrics().shards)[0] ?? '']?.state === 'PROCESSING',
      10_000,
      'LATEST reader',
    );
    await sleep(500);
    // Act
    await putNumbered(aws.kinesis.kinesisClient, stream, 20, 5);
    await until(() => fromTimestamp.length >= 15 && fromLatest.length >= 5, 10_000, 'records');
    await sleep(300);
    await Promise.all([a.stop(), b.stop()]);
    // Assess
    expect(fromTimestamp.map((g) => g.n)).toEqual(Array.from({ length: 15 }, (_, i) => 10 + i));
    expect(fromLatest.map((g) => g.n)).toEqual([20, 21, 22, 23, 24]);
  });

  it('prepareCheckpoint writes pendingCheckpoint to the lease; committing it moves the checkpoint and clears it', async () => {
    // Prepare
    const stream = `prepare-${++counter}`;
    const app = `app-prepare-${counter}`;
    await aws.kinesis.createStream(stream, 1);
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 5);
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    const seen: { pending?: unknown; checkpoint?: unknown }[] = [];
    let last: { sequenceNumber: string; subSequenceNumber: number } | undefined;
    const c = new KinesisConsumer({
      streamName: stream,
      applicationName: app,
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      processor: () => ({
        processRecords: async ({ shardId, records, checkpointer }) => {
          const r = records[records.length - 1]!;
          last = { sequenceNumber: r.sequenceNumber, subSequenceNumber: r.subSequenceNumber };
          const prepared = await checkpointer.prepareCheckpoint();
          const before = await table.getLease(shardId);
          await prepared.checkpoint();
          const after = await table.getLease(shardId);
          seen.push({ pending: before?.pendingCheckpoint, checkpoint: before?.checkpoint });
          seen.push({ pending: after?.pendingCheckpoint, checkpoint: after?.checkpoint });
        },
      }),
    });
    consumers.push(c);
    // Act
    await c.start();
    await until(() => seen.length >= 2, 10_000, 'prepare + commit');
    await c.stop();
    // Assess
    expect(seen[0]).toEqual({ pending: last, checkpoint: { sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 } });
    expect(seen[1]).toEqual({ pending: undefined, checkpoint: last });
  });

  it('stopTimeoutMs: stop() resolves although a processor hangs, and hands its lease over anyway (its checkpoints then fail)', async () => {
    // Prepare
    const stream = `hang-${++counter}`;
    const app = `app-hang-${counter}`;
    await aws.kinesis.createStream(stream, 1);
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 3);
    let entered = false;
    let signalled = false;
    let lateCheckpoint: Promise<void> | undefined;
    let release: () => void = () => {};
    const c = new KinesisConsumer({
      streamName: stream,
      applicationName: app,
      workerId: 'hanger',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      stopTimeoutMs: 500,
      eachBatch: ({ signal, checkpointer }) => {
        entered = true;
        signal.addEventListener('abort', () => {
          signalled = true;
        });
        // Ignores the signal until the test lets it go, then checkpoints: too late, the lease is gone.
        return new Promise<void>((resolve) => {
          release = () => {
            lateCheckpoint = checkpointer.checkpoint();
            resolve();
          };
        });
      },
    });
    consumers.push(c);
    await c.start();
    await until(() => entered, 10_000, 'the hanging batch');
    // Act
    const before = Date.now();
    await c.stop();
    const took = Date.now() - before;
    release();
    // Assess: bounded (500 ms plus the final lease writes, with room for a busy machine), told, and handed over.
    expect(took).toBeLessThan(500 + 5_000);
    expect(signalled).toBe(true);
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    const [lease] = await table.listLeases();
    expect(lease?.leaseOwner).toBeUndefined();
    await expect(lateCheckpoint).rejects.toBeInstanceOf(LeaseLostError);
    expect((await table.listLeases())[0]?.checkpoint.sequenceNumber).toBe('TRIM_HORIZON');
  });

  it('lease-layer events reach on(): shard sync, leases taken, handoffs, and lease-table failures as consumer.error', async () => {
    // Prepare
    const stream = `events-${++counter}`;
    const app = `app-events-${counter}`;
    await aws.kinesis.createStream(stream, 2);
    const seen: string[] = [];
    const listen = (c: KinesisConsumer, w: string) => {
      c.on('consumer.shard_sync', ({ created }) => seen.push(`${w} sync ${created.length}`));
      c.on('consumer.leases_taken', ({ shardIds }) => seen.push(`${w} took ${shardIds.length}`));
      c.on('consumer.lease_handoff', ({ outcome, reason }) => seen.push(`${w} ${outcome} ${reason}`));
      c.on('consumer.error', ({ context }) => seen.push(`${w} error ${context}`));
    };
    const dynamoDbClient = aws.dynamoDb.createDynamoDbClient({ maxAttempts: 1 });
    const first = consumer(stream, app, 'e1', [], { dynamoDbClient });
    listen(first, 'e1');
    await first.start();
    const second = consumer(stream, app, 'e2', []);
    listen(second, 'e2');
    let e2Gained = 0;
    second.on('consumer.lease_gained', () => e2Gained++);
    await second.start();
    // e2 gets its share by a balancing move: it asks e1 for a lease, e1 hands it over.
    await until(() => e2Gained === 1, 20_000, 'e2 holding its share');
    expect(seen).toContain('e1 transferred move');

    // Act: e1's table scans fail for a while; then e1 stops and hands its lease to e2.
    const faults = withFaults(dynamoDbClient, [{ commands: ['Scan'], fault: 'throttle', times: 2 }]);
    await until(() => seen.includes('e1 error take'), 20_000, 'a failed taking cycle reported');
    faults.remove();
    await first.stop();
    await until(() => e2Gained >= 2, 30_000, 'e2 holding the lease e1 gave up (transferred, or released and taken)');

    // Assess
    expect(seen).toContain('e1 sync 2');
    expect(seen).toContain('e1 took 2');
    expect(seen).toContain('e2 took 0'); // the move asked for: no lease taken, one asked for
    expect(seen.filter((s) => s === 'e1 transferred stop' || s === 'e1 released stop')).toHaveLength(1);
  });

  it('a shard whose processor keeps failing is reported stuck (event and warning), and unstuck once it moves', async () => {
    // Prepare
    const stream = `stuck-${++counter}`;
    await aws.kinesis.createStream(stream, 1);
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 5);
    let failing = true;
    const warnings: string[] = [];
    const capture = {
      error: () => {},
      warn: (fields: unknown, message?: string) => warnings.push(String(message ?? fields)),
      info: () => {},
      debug: () => {},
      trace: () => {},
      child: () => capture,
    };
    const reports: { stuck: boolean; stuckForMs: number }[] = [];
    const c = consumer(stream, `app-${stream}`, 'stuck-w', [], {
      logger: capture,
      stuckShardThresholdMs: 1_000,
      processorRetryMaxDelayMs: 200,
      eachBatch: () => {
        if (failing) throw new Error('downstream unavailable');
      },
    });
    c.on('consumer.shard_stuck', ({ stuck, stuckForMs }) => reports.push({ stuck, stuckForMs }));

    // Act
    await c.start();
    await until(() => reports.length >= 1, 20_000, 'the shard reported stuck');
    failing = false;
    await until(() => reports.length >= 2, 20_000, 'the shard reported moving again');

    // Assess
    expect(reports.map((r) => r.stuck)).toEqual([true, false]);
    expect(reports[0]!.stuckForMs).toBeGreaterThanOrEqual(1_000);
    expect(warnings).toContain('shard stuck: no progress while behind');
  });
});
