import { KinesisProducer } from '@kinesis-kit/producer';
import { type LocalKinesis, startLocalKinesis } from '@kinesis-kit/testing';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FullBatchFailureError,
  InvalidBatchResultError,
  type KinesisUserRecord,
  kinesisBatchHandler,
  processKinesisEvent,
  processKinesisEventBatch,
  UnexpectedEventError,
} from '../src/index.js';
import { type ExpectedUserRecord, eventOf, expectedUserRecords, readStreamAsEventRecords } from './lambdaEvent.js';
import { NO_DEADLINES } from './patience.js';

let kinesis: LocalKinesis;
/** Two shards' records, shard 0 then shard 1 (each as an event source mapping would deliver them). */
let shard0: KinesisStreamRecord[];
let shard1: KinesisStreamRecord[];
let expected0: ExpectedUserRecord[];

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  const streamName = 'lambda-two-shards';
  await kinesis.createStream(streamName, 2);
  const client = kinesis.createKinesisClient({ maxAttempts: 1 });
  const producer = new KinesisProducer({ streamName, kinesisClient: client, aggregationMaxCount: 5, ...NO_DEADLINES });
  const puts = [];
  for (let i = 0; i < 120; i++) puts.push(producer.put({ data: `r-${i}`, partitionKey: `key-${i % 12}` }));
  await Promise.all(puts);
  await producer.close();
  const all = await readStreamAsEventRecords(client, streamName);
  shard0 = all.filter((r) => r.eventID.startsWith('shardId-000000000000:'));
  shard1 = all.filter((r) => r.eventID.startsWith('shardId-000000000001:'));
  expected0 = expectedUserRecords(shard0);
});

afterAll(async () => {
  await kinesis?.stop();
});

const dataOf = (record: KinesisUserRecord) => Buffer.from(record.data).toString('utf8');

describe('processKinesisEventBatch (one call per shard batch)', () => {
  it('gets every user record of the batch in order; nothing reported', async () => {
    const calls: string[][] = [];
    const response = await processKinesisEventBatch(eventOf(shard0), (records) => {
      calls.push(records.map(dataOf));
    });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([expected0.map((r) => r.data)]);
  });

  it('reports the Kinesis record of firstFailedIndex, inside an aggregate', async () => {
    const index = expected0.findIndex((r) => r.aggregated && r.subSequenceNumber === 2 && r.parent > 2);
    const response = await kinesisBatchHandler(() => ({ firstFailedIndex: index }))(eventOf(shard0));
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: shard0[expected0[index]!.parent]!.kinesis.sequenceNumber }],
    });
  });

  it('a throw fails the whole batch: FullBatchFailureError, or the first record reported', async () => {
    const fail = () => {
      throw new Error('down');
    };
    await expect(processKinesisEventBatch(eventOf(shard0), fail)).rejects.toBeInstanceOf(FullBatchFailureError);
    await expect(processKinesisEventBatch(eventOf(shard0), fail, { throwOnFullBatchFailure: false })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: shard0[0]!.kinesis.sequenceNumber }],
    });
  });

  it('rejects a firstFailedIndex that is not an index of the batch', async () => {
    for (const firstFailedIndex of [-1, expected0.length, 1.5, Number.NaN]) {
      await expect(processKinesisEventBatch(eventOf(shard0), () => ({ firstFailedIndex }))).rejects.toBeInstanceOf(
        InvalidBatchResultError,
      );
    }
  });
});

describe('events holding several shards (hand-built; a mapping never mixes shards)', () => {
  it('processes each shard on its own and reports one Kinesis record per failed shard', async () => {
    // Prepare: interleave the two shards; fail a record of shard 1 only.
    const mixed: KinesisStreamRecord[] = [];
    for (let i = 0; i < Math.max(shard0.length, shard1.length); i++) {
      if (shard0[i]) mixed.push(shard0[i]!);
      if (shard1[i]) mixed.push(shard1[i]!);
    }
    const expected1 = expectedUserRecords(shard1);
    const target = expected1[Math.floor(expected1.length / 2)]!;
    const seen: string[] = [];

    // Act
    const response = await processKinesisEvent(eventOf(mixed), (record, context) => {
      if (dataOf(record) === target.data) throw new Error('boom');
      seen.push(`${context.shardId} ${dataOf(record)}`);
    });

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: shard1[target.parent]!.kinesis.sequenceNumber }],
    });
    expect(seen.filter((s) => s.startsWith('shardId-000000000000 '))).toEqual(
      expected0.map((r) => `shardId-000000000000 ${r.data}`),
    );
    expect(seen.filter((s) => s.startsWith('shardId-000000000001 '))).toEqual(
      expected1.slice(0, expected1.indexOf(target)).map((r) => `shardId-000000000001 ${r.data}`),
    );
  });
});

describe('a corrupt aggregated record', () => {
  /** shard0 with the first aggregated record's body damaged (magic kept: MD5 no longer matches). */
  function corrupted(): { records: KinesisStreamRecord[]; index: number } {
    const index = shard0.findIndex(
      (r, i) => i > 0 && Buffer.from(r.kinesis.data, 'base64').readUInt32BE(0) === 0xf3899ac2,
    );
    const bytes = Buffer.from(shard0[index]!.kinesis.data, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    const damaged = { ...shard0[index]!, kinesis: { ...shard0[index]!.kinesis, data: bytes.toString('base64') } };
    return { records: shard0.map((r, i) => (i === index ? damaged : r)), index };
  }

  it('is passed to the handler whole, as one non-aggregated record, by default (as the KCL)', async () => {
    const { records, index } = corrupted();
    const seen: KinesisUserRecord[] = [];
    const response = await processKinesisEvent(eventOf(records), (record) => {
      seen.push(record);
    });
    expect(response).toEqual({ batchItemFailures: [] });
    const raw = seen.filter((r) => r.eventRecord === records[index]);
    expect(raw).toHaveLength(1);
    expect(raw[0]?.aggregated).toBe(false);
    expect(Buffer.from(raw[0]!.data).toString('base64')).toBe(records[index]!.kinesis.data);
    expect(seen).toHaveLength(expected0.filter((r) => r.parent !== index).length + 1);
  });

  it('with strictDeaggregation, is reported: the records before it are processed, none after', async () => {
    const { records, index } = corrupted();
    const seen: string[] = [];
    const response = await processKinesisEvent(
      eventOf(records),
      (record) => {
        seen.push(dataOf(record));
      },
      { strictDeaggregation: true },
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[index]!.kinesis.sequenceNumber }] });
    expect(seen).toEqual(expected0.filter((r) => r.parent < index).map((r) => r.data));
    const batches: number[] = [];
    const batchResponse = await processKinesisEventBatch(
      eventOf(records),
      (batch) => {
        batches.push(batch.length);
      },
      { strictDeaggregation: true },
    );
    expect(batchResponse).toEqual(response);
    expect(batches).toEqual([seen.length]);
  });
});

describe('events that are not Kinesis events', () => {
  it('throw UnexpectedEventError before calling the handler', async () => {
    const sqs = { Records: [{ messageId: '1', body: 'x', eventSource: 'aws:sqs' }] };
    for (const event of [sqs, {}, null, { Records: 'x' }]) {
      await expect(processKinesisEvent(event as never, () => {})).rejects.toBeInstanceOf(UnexpectedEventError);
    }
  });
});
