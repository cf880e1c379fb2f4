// cloudWatchSink against a fake CloudWatch that records PutMetricData exactly as the real SDK client sends it, fed by
// a real producer over kinesis-local; then CloudWatch throttling, failing, hanging and down: the data path never
// notices, and the queue stays bounded.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  type MetricDatum,
  MetricKind,
  type MetricsBatch,
  MetricUnit,
  OtelInstrument,
  silentLogger,
} from '@kinesis-kit/commons';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { KinesisProducer } from '@kinesis-kit/producer';
import {
  CloudWatchMode,
  type LocalCloudWatch,
  type LocalKinesis,
  startLocalCloudWatch,
  startLocalDynamoDB,
  startLocalKinesis,
} from '@kinesis-kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchSink } from '../src/index.js';

let kinesis: LocalKinesis;
let cloudWatch: LocalCloudWatch;
let streams = 0;
beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});
afterEach(async () => {
  await cloudWatch?.stop();
});

function client(endpoint: string): CloudWatchClient {
  return new CloudWatchClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

async function newStream(shards: number): Promise<string> {
  const name = `cw-${process.pid}-${++streams}`;
  await kinesis.createStream(name, shards);
  return name;
}

function datum(name: string, value: string): MetricDatum {
  return {
    name,
    unit: MetricUnit.COUNT,
    kind: MetricKind.COUNTER,
    otel: OtelInstrument.COUNTER,
    dimensions: [{ name: 'Key', value }],
    count: 2,
    sum: 3,
    min: 1,
    max: 2,
    values: undefined,
    rollup: false,
  };
}

function batchOf(data: MetricDatum[]): MetricsBatch {
  return {
    namespace: 'Synthetic',
    timestamp: Date.now(),
    intervalMs: 60_000,
    source: { component: 'producer', streamName: 's' },
    data,
  };
}

describe('cloudWatchSink: PutMetricData as the real SDK sends it', () => {
  it('a producer uploads one-minute statistic sets with the KPL names, units and dimensions', async () => {
    // Prepare
    cloudWatch = await startLocalCloudWatch();
    const streamName = await newStream(2);
    const sink = cloudWatchSink({ client: client(cloudWatch.endpoint), logger: silentLogger() });
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: kinesis.createKinesisClient({ maxAttempts: 1 }),
      logger: silentLogger(),
      metrics: { sinks: [sink] },
    });

    // Act
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.put({ partitionKey: `k${i % 30}`, data: `r${i}` })),
    );
    await producer.close(); // publishes the interval and flushes the sink

    // Assess: the request the SDK made.
    expect(cloudWatch.requests.length).toBeGreaterThan(0);
    const [request] = cloudWatch.requests;
    expect(request?.rejected).toBeUndefined();
    expect(request?.protocol).toBe('json');
    expect(request?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.PutMetricData');
    expect(String(request?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d+\/us-east-1\/monitoring\//,
    );
    expect(request?.Namespace).toBe('KinesisProducerLibrary');
    const data = cloudWatch.requests.flatMap((r) => r.MetricData);
    const put = data.filter((d) => d.MetricName === 'UserRecordsPut');
    const dims = (d: (typeof data)[number]) => d.Dimensions.map((x) => x.Name).join(',');
    expect(put.map(dims).sort()).toEqual(['', 'StreamName', 'StreamName,ShardId', 'StreamName,ShardId']);
    const global = put.find((d) => d.Dimensions.length === 0);
    // The KPL's statistic set: one sample per user record, 1 when stored, so Average is the success rate.
    expect(global?.StatisticValues).toEqual({ SampleCount: 300, Sum: 300, Minimum: 1, Maximum: 1 });
    expect(global?.Unit).toBe('Count');
    expect((global?.Timestamp ?? 1) % 60_000).toBe(0); // a one-minute bucket
    const shards = put.filter((d) => d.Dimensions.length === 2);
    expect(shards.reduce((s, d) => s + (d.StatisticValues?.Sum ?? 0), 0)).toBe(300);
    const buffering = data.find((d) => d.MetricName === 'BufferingTime' && d.Dimensions.length === 0);
    expect(buffering?.Unit).toBe('Milliseconds');
    expect(buffering?.StatisticValues?.SampleCount).toBeGreaterThan(0);
    expect(sink.stats).toMatchObject({ failedRequests: 0, droppedDatums: 0, queuedDatums: 0 });
  });

  it('batches at most 1,000 statistic sets per call', async () => {
    // Prepare
    cloudWatch = await startLocalCloudWatch();
    const sink = cloudWatchSink({ client: client(cloudWatch.endpoint), logger: silentLogger() });

    // Act
    sink.publish(batchOf(Array.from({ length: 2_500 }, (_, i) => datum('Synthetic', `v${i}`))));
    await sink.close();

    // Assess
    expect(cloudWatch.requests.map((r) => [r.MetricData.length, r.rejected])).toEqual([
      [1_000, undefined],
      [1_000, undefined],
      [500, undefined],
    ]);
    expect(sink.stats.uploadedDatums).toBe(2_500);
  });

  it('intervals of the same minute merge into one statistic set', async () => {
    cloudWatch = await startLocalCloudWatch();
    const sink = cloudWatchSink({ client: client(cloudWatch.endpoint), logger: silentLogger() });
    const now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    for (let i = 0; i < 3; i++) sink.publish({ ...batchOf([datum('M', 'same')]), timestamp: now + i * 10_000 });
    await sink.close();
    expect(cloudWatch.requests.flatMap((r) => r.MetricData).map((d) => d.StatisticValues)).toEqual([
      { SampleCount: 6, Sum: 9, Minimum: 1, Maximum: 2 },
    ]);
  });
});

describe('cloudWatchSink: CloudWatch throttling, failing, hanging or down never reaches the data path', () => {
  for (const mode of [CloudWatchMode.THROTTLE, CloudWatchMode.ERROR, CloudWatchMode.HANG, 'down'] as const) {
    it(`${mode}: every put() succeeds, close() returns, the queue stays within its bound`, async () => {
      // Prepare
      cloudWatch = await startLocalCloudWatch({ mode: mode === 'down' ? CloudWatchMode.OK : mode });
      const endpoint = cloudWatch.endpoint;
      if (mode === 'down') await cloudWatch.stop();
      const sink = cloudWatchSink({
        client: client(endpoint),
        logger: silentLogger(),
        uploadIntervalMs: 100,
        requestTimeoutMs: 500,
        maxQueuedDatums: 40,
      });
      const streamName = await newStream(4);
      const producer = new KinesisProducer({
        streamName,
        kinesisClient: kinesis.createKinesisClient({ maxAttempts: 1 }),
        logger: silentLogger(),
        maxBufferedTimeMs: 5,
        metrics: { sinks: [sink], level: 'DETAILED', intervalMs: 100 },
      });

      // Act: a steady stream of puts across many metric intervals and upload attempts.
      const startedAt = Date.now();
      let stored = 0;
      while (Date.now() - startedAt < 700) {
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => producer.put({ partitionKey: `k${i}`, data: 'x' })),
        );
        stored += results.length;
      }
      // Also what many distinct metrics would do to an unbounded queue.
      for (let i = 0; i < 50; i++)
        sink.publish(batchOf(Array.from({ length: 100 }, (_, j) => datum('M', `${i}-${j}`))));
      const closeStartedAt = Date.now();
      await producer.close();
      const closeMs = Date.now() - closeStartedAt;
      await sink.close();

      // Assess
      expect(stored).toBeGreaterThan(0);
      expect(producer.metrics().UserRecordsPut).toBe(stored);
      expect(producer.metrics().AllErrors).toBe(0);
      expect(sink.stats.queuedDatums).toBeLessThanOrEqual(40);
      expect(sink.stats.droppedDatums).toBeGreaterThan(0);
      expect(sink.stats.uploadedDatums).toBe(0);
      // close() waits for the sink's flush, bounded by requestTimeoutMs per call (calls are sequential).
      expect(closeMs).toBeLessThan(5_000);
      if (mode !== 'down') expect(cloudWatch.requests.length).toBeGreaterThan(0);
    });
  }
});

describe('cloudWatchSink: a consumer whose CloudWatch hangs', () => {
  it('processes every record and stops in bounded time', async () => {
    // Prepare
    cloudWatch = await startLocalCloudWatch({ mode: CloudWatchMode.HANG });
    const dynamoDb = await startLocalDynamoDB();
    const streamName = await newStream(2);
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: kinesis.createKinesisClient({ maxAttempts: 1 }),
      logger: silentLogger(),
    });
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.put({ partitionKey: `k${i}`, data: `r${i}` })));
    await producer.close();
    const sink = cloudWatchSink({
      client: client(cloudWatch.endpoint),
      logger: silentLogger(),
      uploadIntervalMs: 100,
      requestTimeoutMs: 500,
    });
    let processed = 0;
    const consumer = new KinesisConsumer({
      streamName,
      applicationName: `cw-app-${process.pid}`,
      kinesisClient: kinesis.createKinesisClient(),
      dynamoDbClient: dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      keepProcessAlive: false,
      logger: silentLogger(),
      metrics: { sinks: [sink], intervalMs: 100, level: 'DETAILED' },
      eachRecord: () => {
        processed++;
      },
    });

    // Act
    await consumer.start();
    const deadline = Date.now() + 30_000;
    while (processed < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const stopStartedAt = Date.now();
    await consumer.stop();
    const stopMs = Date.now() - stopStartedAt;
    await sink.close();
    await dynamoDb.stop();

    // Assess
    expect(processed).toBe(200);
    expect(cloudWatch.requests.length).toBeGreaterThan(0); // it did try, and CloudWatch never answered
    expect(sink.stats.uploadedDatums).toBe(0);
    expect(stopMs).toBeLessThan(10_000);
  });
});
