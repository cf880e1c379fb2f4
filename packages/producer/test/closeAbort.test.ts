// close({ signal }) aborted while records are in every state a record can be in (issue #15, item 13). Each test is
// bounded by events, not by time: once every PutRecords request that was in flight at the abort has answered (the
// `producer.put_records` event), close() must have settled and so must every put() — checked after a few turns of
// the event loop, so a broken producer fails with a message instead of hanging the suite.
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import {
  Fault,
  type FaultInjector,
  type FaultRule,
  type LocalKinesis,
  startLocalKinesis,
  withFaults,
} from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisProducer, ProducerClosedError, type ProducerSettings } from '../src/index.js';
import { Outcomes } from './outcomes.js';
import { NO_DEADLINES } from './patience.js';
import { listAllShards, readStream } from './readStream.js';

let kinesis: LocalKinesis;
let streamCounter = 0;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});

/** Resolves after `turns` turns of the event loop (lets settled promises run their reactions; no timer). */
async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Rig {
  streamName: string;
  producer: KinesisProducer;
  faults: FaultInjector;
  outcomes: Outcomes;
  /** PutRecords requests that reached the fault middleware (sent), and those that have answered. */
  sent(): number;
  /** The data of every record sent so far. */
  sentData: Set<string>;
  answered(): number;
  /** Resolves once `n` requests were sent. */
  whenSent(n: number): Promise<void>;
  /** Resolves once every request sent so far has answered. */
  allAnswered(): Promise<void>;
}

/** Every PutRecords is held `holdMs`, then throttled. */
const holdThenThrottle = (holdMs: number): FaultRule => ({
  commands: ['PutRecords'],
  fault: Fault.THROTTLE,
  delayMs: holdMs,
});

/**
 * A stream of `shards` shards and a producer on it (SDK retries off) whose PutRecords calls go through `rule`
 * (its `when`, if any, decides which calls it hits). Every PutRecords call is counted as sent, hit or not.
 */
async function rig(options: Partial<ProducerSettings>, rule: FaultRule, shards = 1): Promise<Rig> {
  const streamName = `close-abort-${process.pid}-${++streamCounter}`;
  await kinesis.createStream(streamName, shards);
  const client = kinesis.createKinesisClient({ maxAttempts: 1 });
  let sent = 0;
  let answered = 0;
  const sentData = new Set<string>();
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const faults = withFaults(client, [
    {
      commands: ['PutRecords'],
      fault: Fault.DELAY,
      // Counts every call and lets it through to `rule` (which comes next).
      when: (input) => {
        sent++;
        for (const entry of (input.Records as { Data?: Uint8Array }[] | undefined) ?? []) {
          sentData.add(Buffer.from(entry.Data ?? []).toString());
        }
        wake();
        return false;
      },
    },
    rule,
  ]);
  const producer = new KinesisProducer({ streamName, kinesisClient: client, ...NO_DEADLINES, ...options });
  producer.on('producer.put_records', () => {
    answered++;
    wake();
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return {
    streamName,
    producer,
    faults,
    outcomes: new Outcomes(),
    sent: () => sent,
    sentData,
    answered: () => answered,
    whenSent: (n) => until(() => sent >= n),
    allAnswered: () => until(() => answered >= sent),
  };
}

/** close({ signal }) with the signal aborted at once; `closed.done` flips when close() resolves. */
function abortedClose(producer: KinesisProducer): { done: boolean; error: unknown } {
  const state = { done: false, error: undefined as unknown };
  const controller = new AbortController();
  producer.close({ signal: controller.signal }).then(
    () => {
      state.done = true;
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  controller.abort();
  return state;
}

describe('close({ signal }) aborted', () => {
  it.each([
    ['default ordering, maxConnections 1', { maxConnections: 1 }],
    ['strict ordering, maxConnections 1', { maxConnections: 1, maxInFlightPerShard: 1 }],
    ['default ordering, maxConnections 24', {}],
    ['strict ordering, maxConnections 24', { maxInFlightPerShard: 1 }],
  ])('while a request is in flight (held, then throttled): %s — close() and every put() settle', async (_, options) => {
    // Prepare: 600 records into one shard; every PutRecords is held 1 s, then throttled.
    const t = await rig({ aggregationEnabled: false, ...options }, holdThenThrottle(1_000));
    for (let i = 0; i < 600; i++) t.outcomes.track(t.producer.put({ data: `r-${i}`, partitionKey: `k-${i % 7}` }));

    // Act: abort close() as soon as the first request is in flight.
    await t.whenSent(1);
    const closed = abortedClose(t.producer);
    await turns();
    const inFlightAtAbort = t.sent();
    expect(t.answered(), 'premise: the request is still in flight when the signal aborts').toBe(0);
    await t.allAnswered();
    await turns();

    // Assess: nothing is left pending, nothing more was sent, and every record failed with ProducerClosedError —
    // those in flight with their throttled attempt, the others with none.
    expect(t.outcomes.settled, 'put() promises settled once the in-flight requests answered').toBe(600);
    expect(closed.done, 'close() resolved once the in-flight requests answered').toBe(true);
    expect(t.sent(), 'no request after the abort').toBe(inFlightAtAbort);
    expect(t.outcomes.errors).toHaveLength(600);
    for (const error of t.outcomes.errors) expect(error).toBeInstanceOf(ProducerClosedError);
    const tried = t.outcomes.errors.filter((e) => e.attempts.length > 0);
    expect(tried.length).toBeGreaterThan(0);
    for (const error of tried) {
      expect(error.attempts.map((a) => a.errorCode)).toEqual(['ProvisionedThroughputExceededException']);
      expect(error.errorCode).toBe('ProvisionedThroughputExceededException');
    }
    expect(t.producer.outstandingRecords).toBe(0);
    expect(await readStream(kinesis.kinesisClient, t.streamName)).toEqual([]);
  });
});

describe('close({ signal }) aborted in the other states a record can be in', () => {
  it('before anything was sent (shard map still loading): every put() fails at once, nothing is sent', async () => {
    const t = await rig({}, holdThenThrottle(0));
    for (let i = 0; i < 50; i++) t.outcomes.track(t.producer.put({ data: `r-${i}`, partitionKey: `k-${i}` }));
    const late = t.producer.put({ data: 'late', partitionKey: 'k' }).catch((error: unknown) => error);

    const closed = abortedClose(t.producer);
    await turns();

    expect([t.outcomes.settled, closed.done]).toEqual([50, true]);
    for (const error of t.outcomes.errors) {
      expect(error).toBeInstanceOf(ProducerClosedError);
      expect(error.attempts).toEqual([]);
    }
    expect(await late).toBeInstanceOf(ProducerClosedError);
    expect(t.sent()).toBe(0);
  });

  it('while records aggregate (map loaded, nothing due yet): the open aggregates fail, nothing is sent', async () => {
    const t = await rig({ maxBufferedTimeMs: 600_000 }, { ...holdThenThrottle(0), times: 0 }, 2);
    // A first record, flushed, loads the shard map.
    await Promise.all([t.producer.put({ data: 'warm-up', partitionKey: 'k' }), t.producer.flush()]);
    const sentBefore = t.sent(); // 1, or more if the server dropped a connection and a request was retried
    for (let i = 0; i < 200; i++) t.outcomes.track(t.producer.put({ data: `r-${i}`, partitionKey: `k-${i}` }));
    await turns();
    expect(t.sent(), 'premise: nothing sent since the warm-up').toBe(sentBefore);

    const closed = abortedClose(t.producer);
    await turns();

    expect([t.outcomes.settled, closed.done]).toEqual([200, true]);
    for (const error of t.outcomes.errors) {
      expect(error).toBeInstanceOf(ProducerClosedError);
      expect(error.attempts).toEqual([]);
    }
    expect(t.sent()).toBe(sentBefore);
  });

  it('during retry backoff: every record fails with its attempts; flush() before and after the abort resolves', async () => {
    // The first request is throttled; its records then back off for ~30 s (recordTtlMs is unbounded, so they
    // would wait rather than expire).
    const t = await rig(
      { retryBaseDelayMs: 60_000, retryMaxDelayMs: 60_000, random: () => 0.5, recordTtlMs: Number.POSITIVE_INFINITY },
      { commands: ['PutRecords'], fault: Fault.THROTTLE, times: 1 },
    );
    const retried = new Promise<void>((resolve) => t.producer.on('producer.retry', () => resolve()));
    for (let i = 0; i < 100; i++) t.outcomes.track(t.producer.put({ data: `r-${i}`, partitionKey: `k-${i % 5}` }));
    await retried;
    const flushedBefore = trackDone(t.producer.flush());

    const closed = abortedClose(t.producer);
    const flushedAfter = trackDone(t.producer.flush());
    await turns();

    expect(t.outcomes.settled).toBe(100);
    expect([closed.done, flushedBefore.done, flushedAfter.done]).toEqual([true, true, true]);
    for (const error of t.outcomes.errors) {
      expect(error).toBeInstanceOf(ProducerClosedError);
      expect(error.attempts.map((a) => a.errorCode)).toEqual(['ProvisionedThroughputExceededException']);
    }
    expect(t.sent()).toBe(1);
  });

  it('while waiting on the rate limiter: stored records resolve, the waiting ones fail unsent', async () => {
    // rateLimit 1 % = 10 records/s per shard. The first 50 records overdraw the full bucket (a full bucket lets one
    // batch through), so the next 50 wait ~4 s for tokens.
    const t = await rig({ rateLimit: 1, aggregationEnabled: false }, { ...holdThenThrottle(0), times: 0 });
    for (let i = 0; i < 50; i++) t.outcomes.track(t.producer.put({ data: `a-${i}`, partitionKey: `k-${i}` }));
    await t.producer.flush();
    const sentBefore = t.sent(); // 1, or more if the server dropped a connection and a request was retried
    for (let i = 0; i < 50; i++) t.outcomes.track(t.producer.put({ data: `b-${i}`, partitionKey: `k-${i}` }));
    const flushed = trackDone(t.producer.flush());
    await turns();
    expect([t.sent(), flushed.done], 'premise: the second half waits for the limiter').toEqual([sentBefore, false]);

    const closed = abortedClose(t.producer);
    await turns();

    expect([t.outcomes.settled, closed.done, flushed.done]).toEqual([100, true, true]);
    expect(t.outcomes.results.slice(0, 50).every((r) => !(r instanceof Error))).toBe(true);
    for (const error of t.outcomes.results.slice(50)) {
      expect(error).toBeInstanceOf(ProducerClosedError);
      expect((error as ProducerClosedError).attempts).toEqual([]);
    }
    expect(t.sent()).toBe(sentBefore);
  });

  it('during a reshard hold (strict ordering): the held child records and the retried parent record all fail', async () => {
    // One shard; every request carrying "first" is held 300 ms, then throttled. Split the shard while "first" is
    // being retried; records put after the producer saw the children wait for the closed parent.
    const carriesFirst = (input: Readonly<Record<string, unknown>>) =>
      ((input.Records as { Data?: Uint8Array }[] | undefined) ?? []).some(
        (r) => Buffer.from(r.Data ?? []).toString() === 'first',
      );
    const t = await rig(
      { maxInFlightPerShard: 1, retryBaseDelayMs: 20, retryMaxDelayMs: 100, shardMapRefreshIntervalMs: 100 },
      { ...holdThenThrottle(300), when: carriesFirst },
    );
    const maps: number[] = [];
    const twoShards = new Promise<void>((resolve) =>
      t.producer.on('producer.shard_map_refreshed', (e) => {
        maps.push(e.shardCount);
        if (e.shardCount === 2) resolve();
      }),
    );
    t.outcomes.track(t.producer.put({ data: 'first', partitionKey: 'k' }));
    await t.whenSent(1);
    const [parent] = await listAllShards(kinesis.kinesisClient, t.streamName);
    const start = BigInt(parent?.HashKeyRange?.StartingHashKey ?? '0');
    const end = BigInt(parent?.HashKeyRange?.EndingHashKey ?? '0');
    await kinesis.kinesisClient.send(
      new SplitShardCommand({
        StreamName: t.streamName,
        ShardToSplit: parent?.ShardId,
        NewStartingHashKey: ((start + end) / 2n).toString(),
      }),
    );
    await twoShards;
    for (let i = 0; i < 40; i++) t.outcomes.track(t.producer.put({ data: `second-${i}`, partitionKey: `k-${i}` }));
    await turns();

    const closed = abortedClose(t.producer);
    await t.allAnswered();
    await turns();

    expect(t.outcomes.settled).toBe(41);
    expect(closed.done).toBe(true);
    const [first, ...second] = t.outcomes.results;
    expect(first).toBeInstanceOf(ProducerClosedError);
    expect((first as ProducerClosedError).attempts.length).toBeGreaterThan(0);
    for (const error of second) {
      expect(error).toBeInstanceOf(ProducerClosedError);
      expect((error as ProducerClosedError).attempts).toEqual([]);
    }
    expect(
      [...t.sentData].filter((d) => d !== 'first'),
      'the children sent nothing',
    ).toEqual([]);
  });

  it('on a second close() call: its signal is honoured while the first close() is still flushing', async () => {
    const t = await rig(
      { retryBaseDelayMs: 60_000, retryMaxDelayMs: 60_000, random: () => 0.5, recordTtlMs: Number.POSITIVE_INFINITY },
      { commands: ['PutRecords'], fault: Fault.THROTTLE, times: 1 },
    );
    const retried = new Promise<void>((resolve) => t.producer.on('producer.retry', () => resolve()));
    for (let i = 0; i < 20; i++) t.outcomes.track(t.producer.put({ data: `r-${i}`, partitionKey: `k-${i}` }));
    await retried;
    const first = trackDone(t.producer.close());
    await turns();
    expect(first.done, 'premise: the first close() waits for the retry').toBe(false);

    const second = abortedClose(t.producer);
    await turns();

    expect([t.outcomes.settled, first.done, second.done]).toEqual([20, true, true]);
    for (const error of t.outcomes.errors) expect(error).toBeInstanceOf(ProducerClosedError);
  });
});

/** `done` flips when the promise resolves. */
function trackDone(promise: Promise<void>): { done: boolean } {
  const state = { done: false };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}
