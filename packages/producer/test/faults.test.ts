import v8 from 'node:v8';
import vm from 'node:vm';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Fault, type LocalKinesis, measureKinesisPace, startLocalKinesis, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  DEFAULT_PRODUCER_OPTIONS,
  KinesisProducer,
  ProducerClosedError,
  type ProducerSettings,
  RecordExpiredError,
  RecordRejectedError,
  RecordThrottledError,
} from '../src/index.js';
import { NO_DEADLINES } from './patience.js';
import { readStream } from './readStream.js';

let kinesis: LocalKinesis;

/** A forced full GC, so retained memory (not garbage) is measured. */
function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}
// V8 frees ArrayBuffer backing stores on a background sweeper after a GC, so `arrayBuffers` read right after gc()
// still counts garbage (measured: up to ~28 MB of shed 4 KiB copies). Collect, let the sweeper run, collect again.
async function retainedBytes(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
let streamCounter = 0;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});

/** A fresh stream and a producer on it; no producer deadline fires unless the test sets one (NO_DEADLINES). */
async function setup(shards: number, options: Partial<ProducerSettings> = {}) {
  const streamName = `faults-${process.pid}-${++streamCounter}`;
  await kinesis.createStream(streamName, shards);
  const client: KinesisClient = kinesis.createKinesisClient({ maxAttempts: 1 });
  const producer = new KinesisProducer({
    streamName,
    kinesisClient: client,
    retryBaseDelayMs: 20,
    ...NO_DEADLINES,
    ...options,
  });
  return { streamName, client, producer };
}

/** Resolves with the first `producer.retry` event whose error code is `code`. */
function retryWith(producer: KinesisProducer, code: string): Promise<void> {
  return new Promise((resolve) => {
    const off = producer.on('producer.retry', (e) => {
      if (e.errorCode !== code) return;
      off();
      resolve();
    });
  });
}

function putMany(producer: KinesisProducer, count: number, keys = 50) {
  return Array.from({ length: count }, (_, i) => producer.put({ data: `r-${i}`, partitionKey: `k-${i % keys}` }));
}

describe('fault handling (faults injected into a real client against kinesis-local)', () => {
  it('partial PutRecords failures are retried until every record is stored exactly once', async () => {
    const { streamName, client, producer } = await setup(2, { aggregationEnabled: false });
    const faults = withFaults(client, [{ commands: ['PutRecords'], fault: Fault.PARTIAL, failureRate: 0.4, times: 6 }]);
    const retries: number[] = [];
    producer.on('producer.retry', (e) => retries.push(e.attempt));

    const results = await Promise.all(putMany(producer, 600));
    await producer.close();

    expect(faults.count()).toBeGreaterThan(0);
    expect(retries.length).toBeGreaterThan(0);
    const retried = results.filter((r) => r.attempts.length > 1);
    expect(retried.length).toBeGreaterThan(0);
    for (const result of retried) {
      expect(result.attempts[0]?.errorCode).toBe('ProvisionedThroughputExceededException');
      expect(result.attempts.at(-1)?.success).toBe(true);
    }
    const read = await readStream(kinesis.kinesisClient, streamName);
    expect(read.map((r) => r.data).sort()).toEqual(Array.from({ length: 600 }, (_, i) => `r-${i}`).sort());
    expect(producer.metrics().RetriesPerRecord.max).toBeGreaterThan(0);
  });

  it('a throttling storm slows the shards and everything still lands; failIfThrottled fails at once', async () => {
    const { streamName, client, producer } = await setup(2);
    withFaults(client, [{ commands: ['PutRecords'], fault: Fault.THROTTLE, times: 8 }]);
    const throttled: string[] = [];
    producer.on('producer.throttled', (e) => throttled.push(e.shardId));
    const results = await Promise.all(putMany(producer, 300));
    await producer.close();
    expect(throttled.length).toBeGreaterThan(0);
    expect(Math.max(...results.map((r) => r.attempts.length))).toBeGreaterThan(1);
    expect(producer.metrics().ErrorsByCode.ProvisionedThroughputExceededException).toBeGreaterThanOrEqual(8);
    const read = await readStream(kinesis.kinesisClient, streamName);
    expect(new Set(read.map((r) => r.data)).size).toBe(300);

    const strict = await setup(1, { failIfThrottled: true });
    withFaults(strict.client, [{ commands: ['PutRecords'], fault: Fault.THROTTLE }]);
    const error = await strict.producer.put({ data: 'x', partitionKey: 'k' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordThrottledError);
    expect((error as RecordThrottledError).attempts).toHaveLength(1);
    expect((error as RecordThrottledError).record).toEqual({ data: 'x', partitionKey: 'k' });
    expect((error as RecordThrottledError).retriable).toBe(true);
    await strict.producer.close();
  });

  it('500s, connection resets and timeouts are retried (at least once delivery)', async () => {
    // The producer's request timeout must be met by the server's normal answers and missed by the stalled call:
    // it is set from the server's measured pace (×5, at least 300 ms), and the stalled call is held until the
    // producer has given up on it. A slower answer later only adds a retry (no TTL: nothing expires).
    const pace = await measureKinesisPace(kinesis);
    const requestTimeoutMs = pace.requestTimeoutMs({ margin: 5, minMs: 300 });
    const { streamName, client, producer } = await setup(2, { requestTimeoutMs });
    const faults = withFaults(client, [
      { commands: ['PutRecords'], fault: Fault.INTERNAL, times: 2 },
      { commands: ['PutRecords'], fault: Fault.RESET, times: 2 },
      { commands: ['PutRecords'], fault: Fault.TIMEOUT, times: 1, afterSend: true },
      { commands: ['PutRecords'], fault: Fault.DELAY, until: retryWith(producer, 'ProducerRequestTimeout'), times: 1 },
    ]);
    const results = await Promise.all(putMany(producer, 200));
    await producer.close();
    expect(faults.count()).toBe(6);
    const codes = new Set(results.flatMap((r) => r.attempts.map((a) => a.errorCode)).filter(Boolean));
    expect(codes).toEqual(new Set(['InternalFailure', 'ECONNRESET', 'TimeoutError', 'ProducerRequestTimeout']));
    const read = await readStream(kinesis.kinesisClient, streamName);
    // The timed-out and the delayed request may both have been stored: duplicates allowed, losses not.
    expect(new Set(read.map((r) => r.data)).size).toBe(200);
  });

  it('non-retriable errors fail the records at once with a typed error carrying record and attempts', async () => {
    const { client, producer } = await setup(1);
    withFaults(client, [{ commands: ['PutRecords'], fault: { errorName: 'AccessDeniedException', statusCode: 400 } }]);
    const error = await producer.put({ data: 'secret', partitionKey: 'k' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect((error as RecordRejectedError).errorCode).toBe('AccessDeniedException');
    expect((error as RecordRejectedError).attempts).toHaveLength(1);
    expect((error as RecordRejectedError).record.data).toBe('secret');
    // putMany() gives the same typed error as that record's outcome.
    const [outcome] = await producer.putMany([{ data: 'secret-2', partitionKey: 'k' }]);
    expect(outcome).toBeInstanceOf(RecordRejectedError);
    expect((outcome as RecordRejectedError).record.data).toBe('secret-2');
    await producer.close();

    // A KMS entry-level error in a 200 response.
    const kms = await setup(1, { aggregationEnabled: false });
    withFaults(kms.client, [
      { commands: ['PutRecords'], fault: Fault.PARTIAL, failureRate: 1, partialErrorCode: 'KMSAccessDeniedException' },
    ]);
    await expect(kms.producer.put({ data: 'x', partitionKey: 'k' })).rejects.toBeInstanceOf(RecordRejectedError);
    await kms.producer.close();

    // A stream that does not exist (the real server's answer).
    const missing = new KinesisProducer({ streamName: 'no-such-stream', kinesisClient: kinesis.createKinesisClient() });
    const notFound = await missing.put({ data: 'x', partitionKey: 'k' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(RecordRejectedError);
    expect((notFound as RecordRejectedError).errorCode).toBe('ResourceNotFoundException');
    await missing.close();
  });

  it('records that cannot be stored within recordTtlMs fail with RecordExpiredError', async () => {
    // The server is out of the picture once the shard map is loaded (a first record, stored before the faults):
    // every PutRecords is then throttled by the fault, so the TTL is the only thing that ends the records.
    const { client, producer } = await setup(1, { recordTtlMs: 400 });
    await producer.put({ data: 'warm-up', partitionKey: 'k' });
    withFaults(client, [{ commands: ['PutRecords'], fault: Fault.THROTTLE }]);
    const expired: number[] = [];
    producer.on('producer.record_expired', (e) => expired.push(e.userRecordCount));
    const started = Date.now();
    const errors = await Promise.all(putMany(producer, 20).map((p) => p.catch((e: unknown) => e)));
    // The configured TTL ended them, not the default one (30 s): a bound far from any scheduling delay. (They can
    // end a little before 400 ms: a record whose next backoff would end past its TTL expires at once.)
    expect(Date.now() - started).toBeLessThan(DEFAULT_PRODUCER_OPTIONS.recordTtlMs);
    for (const error of errors) {
      expect(error).toBeInstanceOf(RecordExpiredError);
      expect((error as RecordExpiredError).attempts.length).toBeGreaterThan(0);
      expect((error as RecordExpiredError).errorCode).toBe('ProvisionedThroughputExceededException');
    }
    expect(expired.reduce((a, b) => a + b, 0)).toBe(20);
    expect(producer.metrics().UserRecordExpired).toBe(20);
    await producer.close();
  });

  it('close() during retries waits for the retried records; later puts reject', async () => {
    const { streamName, client, producer } = await setup(2, { retryBaseDelayMs: 100 });
    withFaults(client, [{ commands: ['PutRecords'], fault: Fault.THROTTLE, times: 3 }]);
    const retrying = retryWith(producer, 'ProvisionedThroughputExceededException');
    const promises = putMany(producer, 100);
    const all = Promise.all(promises); // owns every rejection from here on
    await retrying; // a first attempt has failed: close() now has a retry to wait for
    await producer.close();
    expect(producer.outstandingRecords).toBe(0);
    const results = await all;
    expect(results.some((r) => r.attempts.length > 1)).toBe(true);
    await expect(producer.put({ data: 'late', partitionKey: 'k' })).rejects.toBeInstanceOf(ProducerClosedError);
    expect(new Set((await readStream(kinesis.kinesisClient, streamName)).map((r) => r.data)).size).toBe(100);
  });

  it('backpressure holds memory flat while the server is stalled', async () => {
    const maxOutstandingBytes = 512 * 1024;
    const { client, producer } = await setup(1, {
      maxOutstandingBytes,
      maxOutstandingRecords: 10_000,
      aggregationEnabled: false,
    });
    // Warm up (shard map, SDK code paths) so first-use allocations are not counted, then stall the server: every
    // PutRecords hangs until the pushes are over (released below), so nothing settles while we push, however slow
    // the machine (asserted below: the test's premise).
    await producer.put({ data: 'warm-up', partitionKey: 'k' });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    withFaults(client, [{ commands: ['PutRecords'], fault: Fault.DELAY, until: released }]);
    onTestFinished(() => release()); // a failing assertion must not leave the requests held
    let answered = 0;
    producer.on('producer.put_records', () => answered++);
    const payload = new Uint8Array(4 * 1024);
    // Owned as they are made: no rejection can go unhandled if an assertion below throws first.
    const accepted: Promise<unknown>[] = [];
    let shed = 0;
    const before = await retainedBytes();
    let peak = 0;
    // Try to push 4 KiB records as fast as possible (hundreds of MB if nothing held back), sampling retained memory
    // half-way and at the end.
    const push = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        for (let i = 0; i < 200; i++) {
          const p = producer.tryPut({ data: new Uint8Array(payload), partitionKey: `k-${i % 10}` });
          if (p === false) shed++;
          else accepted.push(p.catch((error: unknown) => error));
        }
        peak = Math.max(peak, producer.outstandingBytes);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await push(500);
    const mid = await retainedBytes();
    await push(500);
    const after = await retainedBytes();
    expect(answered, 'the stall must outlast the pushes').toBe(0);
    expect(shed).toBeGreaterThan(1_000);
    expect(peak).toBeLessThanOrEqual(maxOutstandingBytes);
    // Flat: the second half of the push retained (next to) nothing more than the first.
    expect(Math.abs(after - mid)).toBeLessThan(2 * 1024 * 1024);
    // Bounded: the outstanding data (≤ 512 KiB), the in-flight request body (base64, ~0.7 MB) and bookkeeping —
    // not what was offered.
    expect(after - before).toBeLessThan(8 * 1024 * 1024);
    expect(shed * payload.length).toBeGreaterThan(10 * (after - before));
    // put() waits instead of growing the buffer.
    const waiting = producer.put({ data: payload, partitionKey: 'k-late' });
    expect(producer.waitingRecords).toBe(1);
    expect(producer.outstandingBytes).toBeLessThanOrEqual(maxOutstandingBytes);
    release();
    await producer.waitForCapacity();
    await waiting;
    await Promise.all(accepted);
    await producer.close();
  });
});
