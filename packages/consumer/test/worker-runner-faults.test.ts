// ShardRunner + PollingFetcher over kinesis-local (fake lease layer): the fault paths a review found broken.
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { type LocalKinesis, startLocalKinesis } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrefetchBudget } from '../src/fetch/PrefetchBudget.js';
import { HandlerProcessor } from '../src/processor/HandlerProcessor.js';
import type { RecordProcessor } from '../src/processor/RecordProcessor.js';
import { FakeLeases } from './fixtures/fakeLeases.js';
import { harness, until } from './fixtures/runnerHarness.js';
import { decode, newStream, putNumbered } from './fixtures/streamData.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});

const stream = (shards: number) => newStream(kinesis, 'runner-faults', shards);

const TRIM = { sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

describe('ShardRunner fault paths over kinesis-local', () => {
  it('a batch waiting for a maxConcurrentBatches slot is not delivered once its lease is lost', async () => {
    // Prepare: one slot; shard A's processor holds it until released; shard B's batch queues behind it.
    const { name, shardIds } = await stream(2);
    const [a, b] = shardIds as [string, string];
    await putNumbered(kinesis.kinesisClient, name, 0, 40, 40);
    const leases = new FakeLeases();
    leases.add({ shardId: a, checkpoint: TRIM });
    leases.add({ shardId: b, checkpoint: TRIM });
    let releaseA: () => void = () => {};
    const aHolds = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const deliveredTo: string[] = [];
    const lostTold: string[] = [];
    const h = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName: name,
      leases,
      maxConcurrentBatches: 1,
      processorFactory: () => ({
        processRecords: async ({ shardId }) => {
          deliveredTo.push(shardId);
          if (shardId === a) await aHolds;
        },
        leaseLost: ({ shardId }) => {
          lostTold.push(shardId);
        },
      }),
    });
    const runA = h.createRunner(leases.leases.get(a)!);
    const doneA = runA.run();
    await until(() => deliveredTo.includes(a), 10_000, 'A inside its processor');
    const runB = h.createRunner(leases.leases.get(b)!);
    const doneB = runB.run();
    // B's batch is fetched and waits in the queue (no way to observe the queue: give its fetch time, by event).
    const queued = await until(() => h.limiterPending() > 0, 10_000, "B's batch queued").then(() => true);

    // Act: B's lease goes while its batch waits; then the slot frees.
    leases.lose(b);
    releaseA();
    runA.requestShutdown();
    const reasons = await Promise.all([doneA, doneB]);

    // Assess
    expect(queued).toBe(true);
    expect(deliveredTo.filter((shard) => shard === b)).toEqual([]);
    expect(reasons).toEqual(['requested', 'lease_lost']);
    expect(lostTold).toEqual([b]);
  });

  it('default retry: a processor that checkpoints each record as it goes survives a throw mid-batch and moves on', async () => {
    // Prepare: the KCL habit — checkpoint(record) after each record; record n=5 fails once.
    const { name, shardIds } = await stream(1);
    const shardId = shardIds[0]!;
    await putNumbered(kinesis.kinesisClient, name, 0, 20);
    const leases = new FakeLeases();
    leases.add({ shardId, checkpoint: TRIM });
    const seen: number[] = [];
    const errors: string[] = [];
    let failed = false;
    const h = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName: name,
      leases,
      processorFactory: (): RecordProcessor => ({
        processRecords: async ({ records, checkpointer }) => {
          for (const record of records) {
            const { n } = decode(shardId, record);
            if (n === 5 && !failed) {
              failed = true;
              throw new Error('transient');
            }
            seen.push(n);
            await checkpointer.checkpoint(record);
          }
        },
      }),
    });
    h.events.on('consumer.processor_error', ({ error }) => errors.push((error as Error).message));
    const runner = h.createRunner(leases.leases.get(shardId)!);
    const done = runner.run();

    // Act: later records too
    await until(() => seen.length >= 20, 10_000, '20 records');
    await putNumbered(kinesis.kinesisClient, name, 20, 5);
    await until(() => seen.length >= 25, 10_000, '25 records');
    runner.requestShutdown();
    await done;

    // Assess: one error, every record exactly once (the retry got only what was not checkpointed), shard advanced.
    expect(errors).toEqual(['transient']);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(leases.checkpoints.length).toBe(25);
  });

  it('a processor factory that throws once is retried: the shard is processed, not held idle', async () => {
    const { name, shardIds } = await stream(1);
    const shardId = shardIds[0]!;
    await putNumbered(kinesis.kinesisClient, name, 0, 10);
    const leases = new FakeLeases();
    leases.add({ shardId, checkpoint: TRIM });
    const seen: number[] = [];
    let factoryCalls = 0;
    const h = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName: name,
      leases,
      processorFactory: () => {
        if (++factoryCalls === 1) throw new Error('not ready yet');
        return new HandlerProcessor({
          eachRecord: (record) => {
            seen.push(decode(shardId, record).n);
          },
          autoCheckpoint: {},
          clock: { now: () => performance.now(), setTimeout: () => ({ cancel() {} }) },
          onCheckpointError: () => {},
        });
      },
    });
    const errors: string[] = [];
    h.events.on('consumer.processor_error', ({ error }) => errors.push((error as Error).message));
    const runner = h.createRunner(leases.leases.get(shardId)!);
    const done = runner.run();
    await until(() => seen.length >= 10, 10_000, '10 records');
    runner.requestShutdown();
    expect(await done).toBe('requested');
    expect(factoryCalls).toBe(2);
    expect(errors).toEqual(['not ready yet']);
  });

  it('stop() during a slow eachRecord batch ends it between two records and checkpoints what was handled', async () => {
    // Prepare: 100 records of 50 ms each (5 s); stop after a few.
    const { name, shardIds } = await stream(1);
    const shardId = shardIds[0]!;
    await putNumbered(kinesis.kinesisClient, name, 0, 100);
    const leases = new FakeLeases();
    leases.add({ shardId, checkpoint: TRIM });
    const seen: { n: number; seq: string }[] = [];
    const h = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName: name,
      leases,
      processorFactory: () =>
        new HandlerProcessor({
          eachRecord: async (record) => {
            seen.push({ n: decode(shardId, record).n, seq: record.sequenceNumber });
            await new Promise((r) => setTimeout(r, 50));
          },
          autoCheckpoint: {},
          clock: { now: () => performance.now(), setTimeout: () => ({ cancel() {} }) },
          onCheckpointError: () => {},
        }),
    });
    const runner = h.createRunner(leases.leases.get(shardId)!);
    const done = runner.run();
    await until(() => seen.length >= 3, 10_000, 'a few records');

    // Act
    runner.requestShutdown();
    const reason = await done;

    // Assess: stopped long before the batch's end; the checkpoint is the last record handled; lease handed back.
    expect(reason).toBe('requested');
    expect(seen.length).toBeLessThan(100);
    expect(seen.map((s) => s.n)).toEqual(Array.from({ length: seen.length }, (_, i) => i));
    expect(leases.leases.get(shardId)!.checkpoint).toEqual({ sequenceNumber: seen.at(-1)!.seq, subSequenceNumber: 0 });
    expect(leases.released).toEqual([shardId]);
  });

  it('maxPrefetchedBytes: a shard holding a batch reads no further ahead while the worker is at the bound; every shard progresses', async () => {
    // Prepare: 4 shards, 40 records of 200 bytes each, read 10 (2 KB) at a time by slow processors; a 1-byte
    // budget: no shard may read ahead while it holds a batch (unbounded, each would hold two).
    const { name, shardIds } = await stream(4);
    const data = Buffer.alloc(200, 120);
    await kinesis.kinesisClient.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: Array.from({ length: 160 }, (_, j) => ({ PartitionKey: `k-${j}`, Data: data })),
      }),
    );
    const client = kinesis.createKinesisClient();
    let fetched = 0;
    let processed = 0;
    let peak = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const records = (result.output as { Records?: { Data?: Uint8Array }[] } | undefined)?.Records ?? [];
        for (const r of records) fetched += r.Data?.byteLength ?? 0;
        peak = Math.max(peak, fetched - processed);
        return result;
      },
      { step: 'initialize', name: 'heldBytes' },
    );
    const budget = new PrefetchBudget(1);
    const leases = new FakeLeases();
    const h = harness({
      kinesisClient: client,
      streamName: name,
      leases,
      maxRecords: 10,
      prefetchBudget: budget,
      processorFactory: () => ({
        processRecords: async ({ records }) => {
          await new Promise((r) => setTimeout(r, 400)); // slower than the 200 ms read pace: reads would pile up
          processed += records.length * 200;
        },
      }),
    });
    const runs = shardIds.map((shardId) => {
      leases.add({ shardId, checkpoint: TRIM });
      const runner = h.createRunner(leases.leases.get(shardId)!);
      return { runner, done: runner.run() };
    });

    // Act
    await until(() => processed >= 160 * 200, 60_000, 'all 160 records');
    for (const { runner } of runs) runner.requestShutdown();
    await Promise.all(runs.map((r) => r.done));

    // Assess: never more than one batch per shard held (4 × 2 KB), and nothing left counted.
    expect(peak).toBeLessThanOrEqual(4 * 10 * 200);
    expect(budget.usedBytes).toBe(0);
  });
});
