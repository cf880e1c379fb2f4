import { emfSink, silentLogger } from '@kinesis-kit/commons';
import { Fault, type LocalKinesis, startLocalKinesis, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emfMetrics, parseEmfLines } from '../../../test/fixtures/emf/emfTargets.js';
import { KinesisProducer, ProducerMetric } from '../src/index.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});

function lines() {
  const out: string[] = [];
  return { destination: { write: (line: string) => void out.push(line) }, text: () => out.join('') };
}

type Found = ReturnType<typeof emfMetrics>[number];
const sum = (found: Found[]) => found.reduce((total, m) => total + (m.value as number), 0);

describe('producer metrics as EMF (a real producer against kinesis-local)', () => {
  it('publishes the KPL names, units and dimensions at shard, stream and global level; valid EMF', async () => {
    // Prepare
    const streamName = `emf-${process.pid}`;
    await kinesis.createStream(streamName, 2);
    const kinesisClient = kinesis.createKinesisClient({ maxAttempts: 1 });
    // Two requests throttled: ErrorsByCode must carry the code, AllErrors the count.
    withFaults(kinesisClient, [{ commands: ['PutRecords'], fault: Fault.THROTTLE, times: 2 }]);
    const out = lines();
    const producer = new KinesisProducer({
      streamName,
      kinesisClient,
      logger: silentLogger(),
      retryBaseDelayMs: 10,
      metrics: { sinks: [emfSink({ destination: out.destination })], level: 'DETAILED', granularity: 'SHARD' },
    });

    // Act
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => producer.put({ partitionKey: `key-${i % 40}`, data: `record-${i}` })),
    );
    await producer.close(); // publishes the interval and flushes the sinks

    // Assess
    const docs = parseEmfLines(out.text()); // schema + target members, or throws with every problem
    expect(docs.length).toBeGreaterThan(0);
    const metrics = emfMetrics(docs);
    expect(new Set(metrics.map((m) => m.namespace))).toEqual(new Set(['KinesisProducerLibrary']));
    const named = (name: string) => metrics.filter((m) => m.name === name);
    const level = (found: Found[], keys: string[]) =>
      found.filter((m) => JSON.stringify(Object.keys(m.dimensions).sort()) === JSON.stringify(keys));

    const put = named('UserRecordsPut');
    expect(sum(level(put, []))).toBe(400);
    expect(sum(level(put, ['StreamName']))).toBe(400);
    const perShard = level(put, ['ShardId', 'StreamName']);
    expect(perShard.length).toBe(2);
    expect(sum(perShard)).toBe(400);
    for (const m of put) expect(m.unit).toBe('Count');
    expect(level(put, ['StreamName'])[0]?.dimensions.StreamName).toBe(streamName);

    const errorsByCode = level(named('ErrorsByCode'), ['ErrorCode']);
    expect(errorsByCode.map((m) => m.dimensions.ErrorCode)).toEqual(['ProvisionedThroughputExceededException']);
    expect(sum(level(named('AllErrors'), []))).toBe(sum(errorsByCode));
    expect(sum(errorsByCode)).toBeGreaterThan(0);

    for (const [name, unit] of [
      ['BufferingTime', 'Milliseconds'],
      ['RequestTime', 'Milliseconds'],
      ['UserRecordsDataPut', 'Bytes'],
      ['KinesisRecordsDataPut', 'Bytes'],
      ['KinesisRecordsPut', 'Count'],
      ['UserRecordsReceived', 'Count'],
      ['UserRecordsPerKinesisRecord', 'Count'],
      ['KinesisRecordsPerPutRecordsRequest', 'Count'],
      ['RetriesPerRecord', 'Count'],
    ] as const) {
      const found = named(name);
      expect(found.length, name).toBeGreaterThan(0);
      expect(found[0]?.unit, name).toBe(unit);
      expect(found[0]?.unit, name).toBe(ProducerMetric[name].unit);
    }
    expect(sum(level(named('UserRecordsReceived'), []))).toBe(400);
    // Not per shard, as in the KPL.
    expect(named('RequestTime').every((m) => m.dimensions.ShardId === undefined)).toBe(true);
    const dataBytes = Array.from({ length: 400 }, (_, i) => `record-${i}`.length).reduce((a, b) => a + b, 0);
    expect(sum(level(named('UserRecordsDataPut'), []))).toBe(dataBytes);
  });

  it('SUMMARY level and STREAM granularity publish less: no DETAILED metric, no shard dimension', async () => {
    // Prepare
    const streamName = `emf-summary-${process.pid}`;
    await kinesis.createStream(streamName, 2);
    const out = lines();
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: kinesis.createKinesisClient({ maxAttempts: 1 }),
      logger: silentLogger(),
      metrics: { sinks: [emfSink({ destination: out.destination })], granularity: 'STREAM' },
    });

    // Act
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.put({ partitionKey: `k${i}`, data: 'x' })));
    await producer.close();

    // Assess
    const metrics = emfMetrics(parseEmfLines(out.text()));
    const names = new Set(metrics.map((m) => m.name));
    expect(names).toEqual(new Set(['UserRecordsPut', 'KinesisRecordsPut', 'BufferingTime']));
    expect(metrics.every((m) => m.dimensions.ShardId === undefined)).toBe(true);
  });
});
