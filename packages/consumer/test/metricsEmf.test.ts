// The consumer's KCL metrics as EMF, from a real consumer over kinesis-local + dynalite; and the cumulative
// metrics() snapshot that several readers can poll without disturbing each other.
import { emfSink, silentLogger } from '@kinesis-kit/commons';
import { ConsumerMetric, KinesisConsumer } from '@kinesis-kit/consumer';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emfMetrics, parseEmfLines } from '../../../test/fixtures/emf/emfTargets.js';
import { until } from './fixtures/runnerHarness.js';
import { putNumbered } from './fixtures/streamData.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

type Found = ReturnType<typeof emfMetrics>[number];
const total = (found: readonly Found[]) =>
  found.reduce((sum, m) => sum + (Array.isArray(m.value) ? m.value.length : (m.value as number)), 0);

describe('consumer metrics (a real consumer over kinesis-local and dynalite)', () => {
  it('publishes the KCL names, units and dimensions as valid EMF; counts errors; metrics() reads never reset', async () => {
    // Prepare
    const streamName = `emf-consumer-${process.pid}`;
    const applicationName = `emf-app-${process.pid}`;
    await aws.kinesis.createStream(streamName, 2);
    await putNumbered(aws.kinesis.kinesisClient, streamName, 0, 120, 8);
    const out: string[] = [];
    let threw = false;
    let processed = 0;
    const consumer = new KinesisConsumer({
      streamName,
      applicationName,
      workerId: 'worker-1',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      keepProcessAlive: false,
      logger: silentLogger(),
      processorRetryBaseDelayMs: 10,
      metrics: {
        sinks: [emfSink({ destination: { write: (line: string) => void out.push(line) } })],
        level: 'DETAILED',
      },
      eachBatch: ({ records }) => {
        if (!threw) {
          threw = true;
          throw new Error('handler failed once');
        }
        processed += records.length;
      },
    });

    // Act
    await consumer.start();
    await until(() => processed >= 120 && consumer.metrics().recordsProcessed >= 120, 30_000, 'all records processed');
    const first = consumer.metrics();
    const second = consumer.metrics();
    await consumer.stop(); // publishes the last interval

    // Assess: the snapshot is cumulative and reading it changes nothing.
    expect(first.recordsProcessed).toBe(120);
    expect(second.recordsProcessed).toBe(120);
    expect(second.recordsPerSecond).toBeCloseTo(first.recordsPerSecond, 0);
    expect(first.recordsPerSecond).toBeGreaterThan(0);
    expect(first.processorErrors).toBe(1);
    expect(first.maxMillisBehindLatest).toBeGreaterThanOrEqual(0);

    // Assess: valid EMF with the KCL's names.
    const metrics = emfMetrics(parseEmfLines(out.join('')));
    expect(new Set(metrics.map((m) => m.namespace))).toEqual(new Set([applicationName]));
    const named = (name: string) => metrics.filter((m) => m.name === name);
    const keysOf = (m: Found) => Object.keys(m.dimensions).sort().join(',');

    const records = named('RecordsProcessed');
    expect(total(records.filter((m) => keysOf(m) === 'Operation'))).toBe(120);
    expect(total(records.filter((m) => keysOf(m) === 'Operation,ShardId'))).toBe(120);
    expect(new Set(records.map((m) => m.dimensions.Operation))).toEqual(new Set(['ProcessTask']));
    expect(new Set(records.filter((m) => m.dimensions.ShardId).map((m) => m.dimensions.ShardId)).size).toBe(2);

    const lag = named('MillisBehindLatest');
    expect(lag.length).toBeGreaterThan(0);
    expect(lag[0]?.unit).toBe('Milliseconds');
    expect(named('RecordProcessor.processRecords.Time')[0]?.unit).toBe('Milliseconds');
    expect(named('DataBytesProcessed')[0]?.unit).toBe('Bytes');
    expect(total(named('ProcessorErrors').filter((m) => keysOf(m) === 'Operation'))).toBe(1);
    expect(named('TakenLeases').map((m) => [m.dimensions.Operation, m.value])).toEqual([['TakeLeases', 2]]);
    expect(named('CurrentLeases').every((m) => m.dimensions.Operation === 'RenewAllLeases')).toBe(true);
    expect(named('NumWorkers').map((m) => m.value)).toContain(1);
    for (const name of ['RecordsProcessed', 'MillisBehindLatest', 'TakenLeases', 'NumWorkers'] as const) {
      expect(named(name)[0]?.unit).toBe(ConsumerMetric[name].unit);
    }
  });

  it('several streams: shard series carry the StreamId dimension, so equal shard ids of two streams stay apart', async () => {
    // Prepare: two one-shard streams, so both have shardId-000000000000.
    const names = [`emf-multi-a-${process.pid}`, `emf-multi-b-${process.pid}`];
    for (const name of names) await aws.kinesis.createStream(name, 1);
    await putNumbered(aws.kinesis.kinesisClient, names[0]!, 0, 30, 4);
    await putNumbered(aws.kinesis.kinesisClient, names[1]!, 0, 50, 4);
    const out: string[] = [];
    let processed = 0;
    const consumer = new KinesisConsumer({
      streams: names.map((streamName) => ({ streamName })),
      applicationName: `emf-multi-app-${process.pid}`,
      workerId: 'worker-1',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      keepProcessAlive: false,
      logger: silentLogger(),
      metrics: {
        sinks: [emfSink({ destination: { write: (line: string) => void out.push(line) } })],
        level: 'DETAILED',
      },
      eachBatch: ({ records }) => {
        processed += records.length;
      },
    });

    // Act
    await consumer.start();
    await until(() => processed >= 80, 30_000, 'both streams processed');
    await consumer.stop();

    // Assess: per stream (Operation, StreamId) and per shard of a stream (Operation, StreamId, ShardId).
    const records = emfMetrics(parseEmfLines(out.join(''))).filter((m) => m.name === 'RecordsProcessed');
    const keysOf = (m: Found) => Object.keys(m.dimensions).sort().join(',');
    const byStream = (keys: string) => {
      const sums = new Map<string, number>();
      for (const m of records.filter((r) => keysOf(r) === keys)) {
        const id = m.dimensions.StreamId ?? '';
        sums.set(id, (sums.get(id) ?? 0) + total([m]));
      }
      return [...sums].map(([id, n]) => [id.split(':')[1], n]).sort();
    };
    const expected = [
      [names[0], 30],
      [names[1], 50],
    ];
    expect(byStream('Operation,StreamId')).toEqual(expected);
    expect(byStream('Operation,ShardId,StreamId')).toEqual(expected);
  });
});
