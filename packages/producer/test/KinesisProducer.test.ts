import { type LocalKinesis, startLocalKinesis, testBudgetMs } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProducerRecord, ProducerSettings, PutResult } from '../src/index.js';
import { KinesisProducer, ProducerClosedError, ValidationError, ValidationErrorReason } from '../src/index.js';
import { NO_DEADLINES } from './patience.js';
import { readStream } from './readStream.js';

let kinesis: LocalKinesis;
let streamCounter = 0;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});

async function newStream(shards: number): Promise<string> {
  const name = `producer-${process.pid}-${++streamCounter}`;
  await kinesis.createStream(name, shards);
  return name;
}

/**
 * A fresh stream and a producer on it (real client, SDK retries off: the producer's own retries are what runs).
 * No producer deadline can fire (NO_DEADLINES): these tests are about what is stored, not about timeouts.
 */
async function producerOnNewStream(
  shards: number,
  options: Partial<ProducerSettings> = {},
): Promise<{ streamName: string; producer: KinesisProducer }> {
  const streamName = await newStream(shards);
  const kinesisClient = kinesis.createKinesisClient({ maxAttempts: 1 });
  return { streamName, producer: new KinesisProducer({ streamName, kinesisClient, ...NO_DEADLINES, ...options }) };
}

describe('KinesisProducer against kinesis-local', () => {
  it('puts records and resolves each with shard and sequence number', async () => {
    // Prepare
    const { streamName, producer } = await producerOnNewStream(2);

    // Act
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.put({ data: `record-${i}`, partitionKey: `key-${i % 7}` })),
    );
    await producer.close();

    // Assess
    for (const result of results) {
      expect(result.shardId).toMatch(/^shardId-/);
      expect(result.sequenceNumber).toMatch(/^\d+$/);
      expect(result.attempts.at(-1)?.success).toBe(true);
    }
    const read = await readStream(kinesis.kinesisClient, streamName);
    expect(read.map((r) => r.data).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `record-${i}`).sort());
    const metrics = producer.metrics();
    expect(metrics.UserRecordsPut).toBe(50);
    expect(metrics.UserRecordsReceived).toBe(50);
    expect(metrics.UserRecordsPending).toBe(0);
  });

  it('rejects invalid records synchronously-typed, before queueing anything', async () => {
    const producer = new KinesisProducer({ streamName: 'never-used', kinesisClient: kinesis.createKinesisClient() });
    const cases: [unknown, string][] = [
      [{ data: 'x', partitionKey: '' }, ValidationErrorReason.PARTITION_KEY_EMPTY],
      [{ data: 'x', partitionKey: 'k'.repeat(257) }, ValidationErrorReason.PARTITION_KEY_TOO_LONG],
      [{ data: 'x', partitionKey: 42 }, ValidationErrorReason.PARTITION_KEY_TYPE],
      [{ data: 42, partitionKey: 'k' }, ValidationErrorReason.DATA_TYPE],
      [{ data: new Uint8Array(1_048_576), partitionKey: 'k' }, ValidationErrorReason.RECORD_TOO_LARGE],
      [{ data: 'x', partitionKey: 'k', explicitHashKey: '-1' }, ValidationErrorReason.EXPLICIT_HASH_KEY_INVALID],
      [
        { data: 'x', partitionKey: 'k', explicitHashKey: (2n ** 128n).toString() },
        ValidationErrorReason.EXPLICIT_HASH_KEY_INVALID,
      ],
      [null, ValidationErrorReason.RECORD_TYPE],
    ];
    for (const [record, reason] of cases) {
      const error = await producer.put(record as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).reason).toBe(reason);
    }
    // 256 astral characters are 512 UTF-16 units but 256 Unicode characters: valid.
    const held = producer.tryPut({ data: 'x', partitionKey: '😀'.repeat(256) });
    expect(held).toBeInstanceOf(Promise);
    expect(producer.outstandingRecords).toBe(1);
    // Closing with an aborted signal fails what is still held (the stream does not exist anyway).
    await producer.close({ signal: AbortSignal.abort() });
    await expect(held).rejects.toBeInstanceOf(ProducerClosedError);
    expect(producer.outstandingRecords).toBe(0);
    await expect(producer.put({ data: 'x', partitionKey: 'k' })).rejects.toBeInstanceOf(ProducerClosedError);
  });

  it('putMany(): one promise, one outcome per record in order (where it was stored, or its typed error)', async () => {
    // Prepare: 2,000 records with two invalid ones among them; at most 300 outstanding, so most of the batch
    // waits for capacity inside the producer.
    const { streamName, producer } = await producerOnNewStream(2, {
      maxOutstandingRecords: 300,
      maxBufferedTimeMs: 20,
    });
    const records: ProducerRecord[] = Array.from({ length: 2_000 }, (_, i) => ({
      data: `many-${i}`,
      partitionKey: `key-${i % 13}`,
    }));
    records[7] = { data: 'x', partitionKey: '' };
    records[1_500] = { data: 42, partitionKey: 'k' } as unknown as ProducerRecord;

    // Act
    const outcomes = await producer.putMany(records);
    const empty = await producer.putMany([]);
    await producer.close();
    const afterClose = await producer.putMany([{ data: 'late', partitionKey: 'k' }]);

    // Assess: aligned with the input; the invalid ones carry their reason, the rest where they were stored.
    expect(outcomes.length).toBe(2_000);
    expect(empty).toEqual([]);
    expect((outcomes[7] as ValidationError).reason).toBe(ValidationErrorReason.PARTITION_KEY_EMPTY);
    expect((outcomes[1_500] as ValidationError).reason).toBe(ValidationErrorReason.DATA_TYPE);
    const read = await readStream(kinesis.kinesisClient, streamName);
    const byData = new Map(read.map((r) => [r.data, r]));
    expect(read.length).toBe(1_998);
    for (let i = 0; i < records.length; i++) {
      if (i === 7 || i === 1_500) continue;
      const outcome = outcomes[i] as PutResult;
      const stored = byData.get(`many-${i}`);
      expect(stored).toBeDefined();
      expect([outcome.shardId, outcome.sequenceNumber, outcome.subSequenceNumber ?? 0]).toEqual([
        stored?.shardId,
        stored?.sequenceNumber,
        stored?.subSequenceNumber,
      ]);
    }
    expect(afterClose[0]).toBeInstanceOf(ProducerClosedError);
    await expect(producer.putMany('nope' as never)).rejects.toBeInstanceOf(ValidationError);
    expect(producer.metrics().UserRecordsPut).toBe(1_998);
  });

  it(
    '100,000 records over 1,000 keys into 4 shards: all stored once, per-key order kept (strict ordering)',
    async () => {
      // Prepare
      const { streamName, producer } = await producerOnNewStream(4, { maxInFlightPerShard: 1 });
      const total = 100_000;

      // Act
      const promises: Promise<PutResult>[] = new Array(total);
      for (let i = 0; i < total; i++) {
        promises[i] = producer.put({ data: `${i % 1000}:${i}`, partitionKey: `key-${i % 1000}` });
      }
      const results = await Promise.all(promises);
      await producer.close();

      // Assess: every put resolved with a shard and sequence number
      for (const result of results) {
        expect(result.shardId).toMatch(/^shardId-/);
        expect(result.sequenceNumber).toMatch(/^\d+$/);
      }
      const read = await readStream(kinesis.kinesisClient, streamName);
      expect(read.length).toBe(total);
      const seen = new Set(read.map((r) => r.data));
      expect(seen.size).toBe(total);
      // Per key, the stream order (shard sequence, then sub-sequence) is put() order.
      const lastByKey = new Map<string, number>();
      for (const record of read) {
        const index = Number(record.data.split(':')[1]);
        const last = lastByKey.get(record.partitionKey) ?? -1;
        expect(index).toBeGreaterThan(last);
        lastByKey.set(record.partitionKey, index);
      }
      // The reported positions match where the records are.
      const byData = new Map(read.map((r) => [r.data, r]));
      for (let i = 0; i < total; i += 997) {
        const stored = byData.get(`${i % 1000}:${i}`);
        expect(stored?.shardId).toBe(results[i]?.shardId);
        expect(stored?.sequenceNumber).toBe(results[i]?.sequenceNumber);
        expect(stored?.subSequenceNumber ?? 0).toBe(results[i]?.subSequenceNumber ?? 0);
      }
    },
    testBudgetMs(120_000),
  );
});
