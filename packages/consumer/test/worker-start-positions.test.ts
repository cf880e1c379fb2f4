// Where a consumer starts, and that it never skips: the default LATEST through a throttling burst and across a
// lease move, AT_TIMESTAMP without a configured timestamp, and a lease table of another stream (kinesis-local +
// dynalite, the real KinesisConsumer).
import { DeleteStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import {
  type EachBatchHandler,
  KinesisConsumer,
  type KinesisConsumerSettings,
  LATEST,
  StreamMismatchError,
} from '@kinesis-kit/consumer';
import { DynamoDBLeaseTable, newLease } from '@kinesis-kit/consumer/leases';
import { Fault, type LocalAws, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

function numbersOf(records: readonly { data: Uint8Array }[]): number[] {
  return records.map((r) => (JSON.parse(Buffer.from(r.data).toString('utf8')) as { n: number }).n);
}

function consumer(
  options: Partial<KinesisConsumerSettings> & {
    streamName: string;
    applicationName: string;
    eachBatch?: EachBatchHandler;
  },
) {
  const c = new KinesisConsumer({
    kinesisClient: aws.kinesis.createKinesisClient(),
    dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
    failoverTimeMs: 3_000,
    keepProcessAlive: false,
    ...options,
    eachBatch: options.eachBatch ?? (() => {}),
  });
  consumers.push(c);
  return c;
}

/** A Kinesis client (one attempt per call) that counts its GetRecords calls. */
function countingGetRecords() {
  const kinesisClient = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
  const reads = { count: 0 };
  kinesisClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetRecordsCommand') reads.count++;
      return next(args);
    },
    { step: 'initialize', name: 'countReads' },
  );
  return { kinesisClient, reads };
}

/** Five records written while nobody reads, then what a second worker `w2` of the application reads of them. */
async function writtenThenReadByW2(stream: string, app: string): Promise<number[]> {
  await putNumbered(aws.kinesis.kinesisClient, stream, 0, 5);
  const got: number[] = [];
  const second = consumer({
    streamName: stream,
    applicationName: app,
    workerId: 'w2',
    eachBatch: ({ records }) => {
      got.push(...numbersOf(records));
    },
  });
  await second.start();
  await until(() => got.length >= 5, 20_000, 'the records written between the two workers');
  return got;
}

describe('start positions (kinesis-local + dynalite)', () => {
  it('default LATEST: records written during a GetRecords throttling burst before the first record are all delivered', async () => {
    // Prepare: a quiet shard, read from LATEST; the consumer's first GetRecords has returned.
    const stream = `latest-burst-${++counter}`;
    await aws.kinesis.createStream(stream, 1);
    const { kinesisClient, reads } = countingGetRecords();
    const got: number[] = [];
    const c = consumer({
      streamName: stream,
      applicationName: `app-${stream}`,
      kinesisClient,
      fetchRetryBaseDelayMs: 50,
      fetchRetryMaxDelayMs: 200,
      eachBatch: ({ records }) => {
        got.push(...numbersOf(records));
      },
    });
    const throttled: number[] = [];
    c.on('consumer.fetch_error', ({ attempt }) => throttled.push(attempt));
    await c.start();
    await until(() => reads.count >= 1, 20_000, 'the first GetRecords');

    // Act: a throttling burst of at least six calls, lasting until ten records are written into the shard.
    let written = false;
    const faults = withFaults(kinesisClient, [
      { commands: ['GetRecords'], fault: Fault.THROTTLE, when: () => !written || throttled.length < 6 },
    ]);
    await until(() => throttled.length >= 1, 20_000, 'the first throttled GetRecords');
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 10);
    written = true;
    await until(() => got.length >= 10, 30_000, 'the ten records written during the burst');

    // Assess
    expect(faults.count()).toBeGreaterThanOrEqual(6);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('default LATEST: a worker taking over before any record was checkpointed reads what was written meanwhile', async () => {
    // Prepare: w1 starts at LATEST and stops without having seen a record (nothing to checkpoint).
    const stream = `latest-move-${++counter}`;
    const app = `app-${stream}`;
    await aws.kinesis.createStream(stream, 1);
    const first = consumer({ streamName: stream, applicationName: app, workerId: 'w1' });
    await first.start();
    await first.stop();
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    const [lease] = await table.listLeases();
    expect(lease?.checkpoint.sequenceNumber).toBe('LATEST');
    expect(lease?.startTimestamp).toBeGreaterThan(0);

    // Act: records are written while nobody reads; then w2 takes the lease.
    const got = await writtenThenReadByW2(stream, app);

    // Assess
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("default LATEST: a lease created on a host whose clock runs ahead is anchored at the service's time, so a taker skips nothing", async () => {
    // Prepare: w1's host clock is two minutes ahead while it creates the lease and stops without a record.
    const stream = `latest-ahead-${++counter}`;
    const app = `app-${stream}`;
    await aws.kinesis.createStream(stream, 1);
    const first = consumer({ streamName: stream, applicationName: app, workerId: 'w1' });
    const before = Date.now();
    const ahead = vi.spyOn(Date, 'now').mockImplementation(() => performance.timeOrigin + performance.now() + 120_000);
    try {
      await first.start();
      await first.stop();
    } finally {
      ahead.mockRestore();
    }
    const after = Date.now();
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    const [lease] = await table.listLeases();

    // Act: records are written while nobody reads; then w2 (a right clock) takes the lease.
    const got = await writtenThenReadByW2(stream, app);

    // Assess: the anchor is the service's clock (whole seconds of its Date header), not the host's.
    expect(lease?.startTimestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1_000);
    expect(lease?.startTimestamp).toBeLessThanOrEqual(after);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("default LATEST: a reader whose clock runs ahead re-anchors a fresh iterator at the service's time (a lease the KCL wrote)", async () => {
    // Prepare: a LATEST lease as the Java KCL writes it (no time anchor); w1, two minutes ahead, reads from the tip.
    const stream = `latest-reader-ahead-${++counter}`;
    const app = `app-${stream}`;
    await aws.kinesis.createStream(stream, 1);
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    await table.initialize();
    await table.createLeaseIfNotExists(newLease('shardId-000000000000', LATEST));
    const { kinesisClient, reads } = countingGetRecords();
    const got: number[] = [];
    const ahead = vi.spyOn(Date, 'now').mockImplementation(() => performance.timeOrigin + performance.now() + 120_000);
    try {
      const c = consumer({
        streamName: stream,
        applicationName: app,
        workerId: 'w1',
        kinesisClient,
        fetchRetryBaseDelayMs: 50,
        fetchRetryMaxDelayMs: 200,
        eachBatch: ({ records }) => {
          got.push(...numbersOf(records));
        },
      });
      await c.start();
      await until(() => reads.count >= 1, 20_000, 'the first GetRecords');

      // Act: reads are held (throttled) while five records are written; then the iterator expires.
      let phase: 'hold' | 'expire' = 'hold';
      const faults = withFaults(kinesisClient, [
        { commands: ['GetRecords'], fault: Fault.THROTTLE, when: () => phase === 'hold' },
        {
          commands: ['GetRecords'],
          fault: { errorName: 'ExpiredIteratorException' },
          when: () => phase === 'expire',
          times: 1,
        },
      ]);
      await until(() => faults.count(0) >= 1, 20_000, 'a held GetRecords');
      await putNumbered(aws.kinesis.kinesisClient, stream, 0, 5);
      phase = 'expire';
      await until(() => got.length >= 5, 20_000, 'the records written before the fresh iterator');

      // Assess
      expect(faults.count(1)).toBe(1);
      expect(got).toEqual([0, 1, 2, 3, 4]);
    } finally {
      ahead.mockRestore();
    }
  });

  it('an AT_TIMESTAMP lease with no timestamp anywhere fails loudly and is given back, not retried forever', async () => {
    // Prepare: a lease as the Java KCL writes it for AT_TIMESTAMP (the timestamp lives in its config, not the item).
    const stream = `at-ts-${++counter}`;
    const app = `app-${stream}`;
    await aws.kinesis.createStream(stream, 1);
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    await table.initialize();
    await table.createLeaseIfNotExists(
      newLease('shardId-000000000000', { sequenceNumber: 'AT_TIMESTAMP', subSequenceNumber: 0 }),
    );
    const errors: string[] = [];
    const c = consumer({ streamName: stream, applicationName: app, initialPosition: 'TRIM_HORIZON' });
    c.on('consumer.error', ({ error }) => errors.push((error as Error).name));

    // Act
    await c.start();
    await until(() => errors.includes('StartingPositionError'), 20_000, 'StartingPositionError');

    // Assess: the lease is released (another worker with a timestamp may take it), and this one does not retake it.
    await until(async () => (await table.listLeases())[0]?.leaseOwner === undefined, 10_000, 'the lease released');
    expect(errors.filter((e) => e === 'StartingPositionError')).toHaveLength(1);
  });

  it('refuses a lease table of another stream, and of a stream deleted and created again under its name', async () => {
    // Prepare: an application reads stream alpha.
    const alpha = `alpha-${++counter}`;
    const beta = `beta-${counter}`;
    const app = `app-alpha-${counter}`;
    await aws.kinesis.createStream(alpha, 1);
    await aws.kinesis.createStream(beta, 1);
    const reader = consumer({ streamName: alpha, applicationName: app, initialPosition: 'TRIM_HORIZON' });
    await reader.start();
    await reader.stop();

    // Act 1: the same application name, another stream.
    const wrong = consumer({ streamName: beta, applicationName: app });
    const refused = wrong.start();

    // Assess 1: a typed error naming both streams, at once (no retries).
    await expect(refused).rejects.toBeInstanceOf(StreamMismatchError);
    const error = (await refused.catch((e: unknown) => e)) as StreamMismatchError;
    expect(error.stream).toContain(`:${beta}:`);
    expect(error.tableStream).toContain(`:${alpha}:`);

    // Act 2: alpha deleted and created again (one second later, so its creation time differs).
    await aws.kinesis.kinesisClient.send(new DeleteStreamCommand({ StreamName: alpha }));
    await until(
      async () =>
        aws.kinesis.kinesisClient.send(new DescribeStreamSummaryCommand({ StreamName: alpha })).then(
          () => false,
          () => true,
        ),
      10_000,
      'alpha deleted',
    );
    await new Promise((r) => setTimeout(r, 1_100));
    await aws.kinesis.createStream(alpha, 1);
    const again = consumer({ streamName: alpha, applicationName: app });

    // Assess 2
    await expect(again.start()).rejects.toBeInstanceOf(StreamMismatchError);
  });
});
