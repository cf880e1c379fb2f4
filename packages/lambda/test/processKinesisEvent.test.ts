import { KinesisProducer } from '@kinesis-kit/producer';
import { type LocalKinesis, startLocalKinesis } from '@kinesis-kit/testing';
import type { KinesisStreamBatchResponse, KinesisStreamHandler, KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FullBatchFailureError,
  type KinesisUserRecord,
  kinesisHandler,
  processKinesisEvent,
  type ShardBatchContext,
} from '../src/index.js';
import {
  type ExpectedUserRecord,
  eventOf,
  expectedUserRecords,
  fakeContext,
  readStreamAsEventRecords,
} from './lambdaEvent.js';
import { NO_DEADLINES } from './patience.js';

let kinesis: LocalKinesis;
/** One shard: aggregates of ≤ 6 user records, then plain records, then aggregates again. */
let records: KinesisStreamRecord[];
let expected: ExpectedUserRecord[];

const KEYS = 8;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  const streamName = 'lambda-events';
  await kinesis.createStream(streamName, 1);
  const client = kinesis.createKinesisClient({ maxAttempts: 1 });
  const aggregating = new KinesisProducer({
    streamName,
    kinesisClient: client,
    aggregationMaxCount: 6,
    ...NO_DEADLINES,
  });
  const plain = new KinesisProducer({ streamName, kinesisClient: client, aggregationEnabled: false, ...NO_DEADLINES });
  const put = async (producer: KinesisProducer, prefix: string, from: number, count: number) => {
    const puts = [];
    for (let i = from; i < from + count; i++) {
      puts.push(producer.put({ data: `${prefix}-${i}`, partitionKey: `key-${i % KEYS}` }));
    }
    await Promise.all(puts);
  };
  await put(aggregating, 'agg', 0, 90);
  await put(plain, 'plain', 90, 30);
  await put(aggregating, 'agg', 120, 60);
  await Promise.all([aggregating.close(), plain.close()]);
  records = await readStreamAsEventRecords(client, streamName);
  expected = expectedUserRecords(records);
});

afterAll(async () => {
  await kinesis?.stop();
});

const idOf = (record: { sequenceNumber: string; subSequenceNumber: number }) =>
  `${record.sequenceNumber}/${record.subSequenceNumber}`;
const dataOf = (record: KinesisUserRecord) => Buffer.from(record.data).toString('utf8');
const reportOf = (parent: number): KinesisStreamBatchResponse => ({
  batchItemFailures: [{ itemIdentifier: records[parent]!.kinesis.sequenceNumber }],
});

/** A handler that records what it saw and throws on the records whose data is in `failOn`. */
function recordingHandler(failOn: ReadonlySet<string> = new Set()) {
  const seen: string[] = [];
  const handler = (record: KinesisUserRecord) => {
    const data = dataOf(record);
    if (failOn.has(data)) throw new Error(`boom on ${data}`);
    seen.push(data);
  };
  return { seen, handler };
}

describe('the events built from kinesis-local', () => {
  it('hold aggregated and plain Kinesis records with every user record', () => {
    expect(expected).toHaveLength(180);
    expect(expected.filter((r) => r.aggregated).length).toBe(150);
    expect(expected.filter((r) => !r.aggregated).length).toBe(30);
    expect(records.length).toBeGreaterThan(30 + 150 / 6 - 1);
    expect(new Set(expected.map((r) => r.data)).size).toBe(180);
  });
});

describe('processKinesisEvent, every record succeeds', () => {
  it('sees every user record once, in sequence order, with its Kinesis record and shard, and reports nothing', async () => {
    // Prepare
    const seen: { id: string; data: string; parent: KinesisStreamRecord; context: ShardBatchContext }[] = [];
    const event = eventOf(records);

    // Act
    const response = await processKinesisEvent(event, async (record, context) => {
      seen.push({ id: idOf(record), data: dataOf(record), parent: record.eventRecord as KinesisStreamRecord, context });
      expect(record.approximateArrivalTimestamp?.getTime()).toBeCloseTo(
        Number(record.eventRecord.kinesis.approximateArrivalTimestamp) * 1000,
        0,
      );
    });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen.map((s) => s.id)).toEqual(expected.map(idOf));
    expect(seen.map((s) => s.data)).toEqual(expected.map((r) => r.data));
    expect(seen.map((s) => s.parent)).toEqual(expected.map((r) => records[r.parent]));
    expect(seen[0]?.context.shardId).toBe('shardId-000000000000');
    expect(seen[0]?.context.eventSourceARN).toBe(records[0]?.eventSourceARN);
  });

  it('works as a typed KinesisStreamHandler', async () => {
    // Prepare
    const { seen, handler: recordHandler } = recordingHandler();
    const handler: KinesisStreamHandler = kinesisHandler(recordHandler);

    // Act
    const response = await handler(
      eventOf(records),
      fakeContext(() => 60_000),
      () => {},
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(expected.map((r) => r.data));
  });

  it('reports nothing and calls nothing for an empty event', async () => {
    const { seen, handler } = recordingHandler();
    expect(await processKinesisEvent({ Records: [] }, handler)).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([]);
  });
});

describe('processKinesisEvent, a failure stops the shard', () => {
  // Positions chosen in the data (see beforeAll): inside aggregates and in plain records.
  const cases: [string, (all: ExpectedUserRecord[]) => ExpectedUserRecord][] = [
    [
      'the middle of an aggregate',
      (all) => all.find((r) => r.aggregated && r.subSequenceNumber === 3 && r.parent > 4)!,
    ],
    [
      'the first user record of an aggregate',
      (all) => all.find((r) => r.aggregated && r.subSequenceNumber === 0 && r.parent > 4)!,
    ],
    ['a plain record in the middle', (all) => all.filter((r) => !r.aggregated)[12]!],
    ['the last user record (inside an aggregate)', (all) => all[all.length - 1]!],
    ['the last user record of the first aggregate', (all) => all.filter((r) => r.parent === 0).at(-1)!],
  ];

  it.each(cases)(
    'at %s: processes exactly the records before it, reports its Kinesis record, and the retry redelivers the rest',
    async (_, pick) => {
      // Prepare
      const target = pick(expected);
      const targetIndex = expected.indexOf(target);
      const { seen, handler } = recordingHandler(new Set([target.data]));

      // Act
      const response = await processKinesisEvent(eventOf(records), handler);
      // Lambda retries from the reported sequence number: a new event starting at that Kinesis record.
      const retried = recordingHandler();
      const retryResponse = await processKinesisEvent(eventOf(records.slice(target.parent)), retried.handler);

      // Assess
      expect(response).toEqual(reportOf(target.parent));
      expect(seen).toEqual(expected.slice(0, targetIndex).map((r) => r.data));
      expect(retryResponse).toEqual({ batchItemFailures: [] });
      const all = [...seen, ...retried.seen];
      expect(new Set(all)).toEqual(new Set(expected.map((r) => r.data)));
      // The only duplicates are the user records of the failed record's aggregate that came before it.
      const firstOfParent = expected.findIndex((r) => r.parent === target.parent);
      expect(all.length - expected.length).toBe(targetIndex - firstOfParent);
    },
  );

  it('at the first record: nothing succeeded, so it throws FullBatchFailureError (as Powertools) by default', async () => {
    // Prepare
    const { seen, handler } = recordingHandler(new Set([expected[0]!.data]));

    // Act
    const thrown = await processKinesisEvent(eventOf(records), handler).catch((error: unknown) => error);
    const reported = await processKinesisEvent(eventOf(records), handler, { throwOnFullBatchFailure: false });

    // Assess
    expect(thrown).toBeInstanceOf(FullBatchFailureError);
    expect((thrown as FullBatchFailureError).recordErrors).toHaveLength(1);
    expect(((thrown as FullBatchFailureError).cause as Error).message).toBe(`boom on ${expected[0]!.data}`);
    expect(reported).toEqual(reportOf(0));
    expect(seen).toEqual([]);
  });

  it('treats a sync throw, a rejected promise and a rejected thenable alike', async () => {
    const target = expected[40]!;
    const variants = [
      () => {
        throw new Error('sync');
      },
      () => Promise.reject(new Error('async')),
      // biome-ignore lint/suspicious/noThenProperty: a hand-rolled thenable is exactly what this checks.
      () => ({ then: (_: unknown, reject: (e: Error) => void) => reject(new Error('thenable')) }),
    ];
    for (const fail of variants) {
      const seen: string[] = [];
      const response = await processKinesisEvent(eventOf(records), (record) => {
        if (dataOf(record) === target.data) return fail();
        seen.push(dataOf(record));
        return undefined;
      });
      expect(response).toEqual(reportOf(target.parent));
      expect(seen).toHaveLength(40);
    }
  });
});

describe("processKinesisEvent, continueOnFailure: 'other-partition-keys'", () => {
  it("skips only the failed keys' later records and reports the earliest failed Kinesis record", async () => {
    // Prepare: two failures of two keys; the later-reported one fails first in sequence.
    const first = expected.find((r) => r.parent > 6 && r.aggregated && r.subSequenceNumber === 2)!;
    const second = expected.filter((r) => !r.aggregated && r.partitionKey !== first.partitionKey)[5]!;
    const { seen, handler } = recordingHandler(new Set([first.data, second.data]));

    // Act
    const response = await processKinesisEvent(eventOf(records), handler, {
      continueOnFailure: 'other-partition-keys',
    });

    // Assess
    expect(response).toEqual(reportOf(first.parent));
    const afterFailure = (r: ExpectedUserRecord, failed: ExpectedUserRecord) =>
      r.partitionKey === failed.partitionKey && expected.indexOf(r) >= expected.indexOf(failed);
    expect(seen).toEqual(
      expected.filter((r) => !afterFailure(r, first) && !afterFailure(r, second)).map((r) => r.data),
    );
  });
});

describe('processKinesisEvent with concurrency', () => {
  it('overlaps records of different keys only, keeps each key in order, and sees every record once', async () => {
    // Prepare
    const running = new Set<string>();
    let maxRunning = 0;
    const seenByKey = new Map<string, string[]>();
    const seen: string[] = [];

    // Act
    const response = await processKinesisEvent(
      eventOf(records),
      async (record) => {
        expect(running.has(record.partitionKey)).toBe(false);
        running.add(record.partitionKey);
        maxRunning = Math.max(maxRunning, running.size);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        running.delete(record.partitionKey);
        seen.push(dataOf(record));
        seenByKey.set(record.partitionKey, [...(seenByKey.get(record.partitionKey) ?? []), dataOf(record)]);
      },
      { concurrency: 4 },
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(maxRunning).toBe(4);
    expect([...seen].sort()).toEqual(expected.map((r) => r.data).sort());
    for (const [key, data] of seenByKey) {
      expect(data).toEqual(expected.filter((r) => r.partitionKey === key).map((r) => r.data));
    }
  });

  it('after a failure starts nothing more, and reports a Kinesis record no later than the failure with everything before it done', async () => {
    // Prepare
    const target = expected.find((r) => r.parent > 10 && r.aggregated && r.subSequenceNumber === 4)!;
    const done = new Set<string>();

    // Act
    const response = await processKinesisEvent(
      eventOf(records),
      async (record) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        if (dataOf(record) === target.data) throw new Error('boom');
        done.add(dataOf(record));
      },
      { concurrency: 4 },
    );

    // Assess
    const reported = records.findIndex(
      (r) => r.kinesis.sequenceNumber === response.batchItemFailures[0]?.itemIdentifier,
    );
    expect(response.batchItemFailures).toHaveLength(1);
    expect(reported).toBeGreaterThanOrEqual(0);
    expect(reported).toBeLessThanOrEqual(target.parent);
    for (const r of expected.filter((e) => e.parent < reported)) expect(done.has(r.data)).toBe(true);
    const targetIndex = expected.indexOf(target);
    for (const r of expected.slice(targetIndex)) {
      if (r.partitionKey === target.partitionKey) expect(done.has(r.data)).toBe(false);
    }
    // At most `concurrency` - 1 records were already running past the failure.
    expect(expected.slice(targetIndex + 1).filter((r) => done.has(r.data)).length).toBeLessThanOrEqual(3 + 8);
  });
});

describe('processKinesisEvent, remainingTimeMarginMs', () => {
  it('stops before the timeout and reports the first record not started; no FullBatchFailureError', async () => {
    // Prepare: plenty of time for 50 records, then too little.
    let calls = 0;
    const context = fakeContext(() => (++calls <= 50 ? 60_000 : 500));
    const { seen, handler } = recordingHandler();

    // Act
    const response = await processKinesisEvent(eventOf(records), handler, { remainingTimeMarginMs: 1_000 }, context);

    // Assess
    expect(seen).toEqual(expected.slice(0, 50).map((r) => r.data));
    expect(response).toEqual(reportOf(expected[50]!.parent));
  });
});
