// ShardRunner + PollingFetcher + Scheduler against a real kinesis-local, with an in-memory lease layer.
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { ageShardIterator, type LocalKinesis, startLocalKinesis, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandlerProcessor } from '../src/processor/HandlerProcessor.js';
import type { RecordProcessor } from '../src/processor/RecordProcessor.js';
import { FakeLeases } from './fixtures/fakeLeases.js';
import { harness, until } from './fixtures/runnerHarness.js';
import {
  assertPerKeyOrder,
  type Delivered,
  decode,
  newStream,
  putAggregated,
  putNumbered,
} from './fixtures/streamData.js';

let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});

const stream = (shards: number) => newStream(kinesis, 'worker-runner', shards);

async function iteratorAt(streamName: string, shardId: string) {
  const out = await kinesis.kinesisClient.send(
    new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  return out.ShardIterator!;
}

const TRIM = { sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

function collecting(delivered: Delivered[]) {
  return (shardId: string) =>
    new HandlerProcessor({
      eachBatch: ({ records }) => {
        for (const r of records) delivered.push(decode(shardId, r));
      },
      autoCheckpoint: {},
      clock: { now: Date.now, setTimeout: () => ({ cancel() {} }) },
      onCheckpointError: () => {},
    });
}

/** One runner per shard, each with its own processor, all leases held from TRIM_HORIZON. */
function startRunners(
  streamName: string,
  shardIds: string[],
  leases: FakeLeases,
  make: (shardId: string) => RecordProcessor,
  options: Partial<Parameters<typeof harness>[0]> = {},
) {
  return shardIds.map((shardId) => {
    if (!leases.leases.has(shardId)) leases.add({ shardId, checkpoint: TRIM });
    const runner = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName,
      leases,
      processorFactory: () => make(shardId),
      ...options,
    }).createRunner(leases.leases.get(shardId)!);
    return { runner, done: runner.run() };
  });
}

describe('ShardRunner over kinesis-local', () => {
  it('delivers every record of every shard once, in per-key order, and checkpoints the last one', async () => {
    // Prepare
    const { name, shardIds } = await stream(2);
    await putNumbered(kinesis.kinesisClient, name, 0, 300);
    await putAggregated(kinesis.kinesisClient, name, 300, 4, 50);
    const leases = new FakeLeases();
    const delivered: Delivered[] = [];
    // Act
    const runners = startRunners(name, shardIds, leases, collecting(delivered));
    await until(() => delivered.length >= 500, 20_000, '500 records');
    for (const { runner } of runners) runner.requestShutdown();
    const reasons = await Promise.all(runners.map((x) => x.done));
    // Assess
    expect(reasons).toEqual(['requested', 'requested']);
    expect(delivered.length).toBe(500);
    expect(new Set(delivered.map((d) => d.n)).size).toBe(500);
    assertPerKeyOrder(delivered);
    expect(leases.released.sort()).toEqual([...shardIds].sort());
    for (const shardId of shardIds) {
      const mine = delivered.filter((d) => d.shardId === shardId);
      const last = mine[mine.length - 1]!;
      expect(leases.leases.get(shardId)!.checkpoint).toEqual({ sequenceNumber: last.seq, subSequenceNumber: last.sub });
    }
  });

  it('restarts inside an aggregate after its checkpoint: later sub-records only, nothing before', async () => {
    // Prepare: 3 aggregates of 10 user records on one shard; checkpoint at the 5th user record of the 2nd.
    const { name, shardIds } = await stream(1);
    await putAggregated(kinesis.kinesisClient, name, 0, 3, 10);
    const raw = await kinesis.kinesisClient.send(
      new GetRecordsCommand({ ShardIterator: await iteratorAt(name, shardIds[0]!), Limit: 10 }),
    );
    const second = raw.Records![1]!.SequenceNumber!;
    const leases = new FakeLeases();
    leases.add({ shardId: shardIds[0]!, checkpoint: { sequenceNumber: second, subSequenceNumber: 4 } });
    const delivered: Delivered[] = [];
    // Act
    const [run] = startRunners(name, shardIds, leases, collecting(delivered));
    await until(() => delivered.length >= 15, 10_000, '15 records');
    await new Promise((r) => setTimeout(r, 500));
    run!.runner.requestShutdown();
    await run!.done;
    // Assess: user records 15..29 exactly (10..14 were before the checkpoint's sub-sequence 4 → n=14).
    expect(delivered.map((d) => d.n)).toEqual(Array.from({ length: 15 }, (_, i) => 15 + i));
  });

  it('survives expired iterators (injected and real, aged) and GetRecords throttling: nothing lost or repeated', async () => {
    // Prepare
    const { name, shardIds } = await stream(1);
    await putNumbered(kinesis.kinesisClient, name, 0, 200);
    const client = kinesis.createKinesisClient({ maxAttempts: 1 });
    const faults = withFaults(client, [
      { commands: ['GetRecords'], fault: 'throttle', times: 3, after: 1 },
      { commands: ['GetRecords'], fault: { errorName: 'ExpiredIteratorException' }, times: 2, after: 2 },
    ]);
    // A real expiry: the 10th GetRecords (after the injected faults) carries an iterator aged past 5 minutes.
    let getRecords = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ShardIterator?: string };
        if (context.commandName === 'GetRecordsCommand' && ++getRecords === 10 && input.ShardIterator)
          input.ShardIterator = ageShardIterator(input.ShardIterator, 301_000);
        return next(args);
      },
      { step: 'initialize', name: 'ageSixthIterator' },
    );
    const leases = new FakeLeases();
    const delivered: Delivered[] = [];
    const h = harness({
      kinesisClient: client,
      streamName: name,
      leases,
      processorFactory: () => collecting(delivered)(shardIds[0]!),
      maxRecords: 25,
    });
    const expired: string[] = [];
    const fetchErrors: string[] = [];
    h.events.on('consumer.iterator_expired', ({ shardId }) => expired.push(shardId));
    h.events.on('consumer.fetch_error', ({ error }) => fetchErrors.push((error as Error).name));
    leases.add({ shardId: shardIds[0]!, checkpoint: TRIM });
    const runner = h.createRunner(leases.leases.get(shardIds[0]!)!);
    // Act
    const done = runner.run();
    await until(() => delivered.length >= 200, 30_000, '200 records');
    await putNumbered(kinesis.kinesisClient, name, 200, 20);
    await until(() => delivered.length >= 220, 10_000, '220 records');
    runner.requestShutdown();
    await done;
    // Assess
    expect(faults.count()).toBe(5);
    expect(expired.length).toBe(3);
    expect(fetchErrors).toEqual([
      'ProvisionedThroughputExceededException',
      'ProvisionedThroughputExceededException',
      'ProvisionedThroughputExceededException',
    ]);
    expect(delivered.map((d) => d.n)).toEqual(Array.from({ length: 220 }, (_, i) => i));
  });

  it('retries a throwing processor without skipping, and stop() during the retries still completes', async () => {
    // Prepare
    const { name, shardIds } = await stream(1);
    await putNumbered(kinesis.kinesisClient, name, 0, 50);
    const leases = new FakeLeases();
    const seen: number[][] = [];
    let failuresLeft = 3;
    const processor = (): RecordProcessor => ({
      processRecords: async ({ records, checkpointer }) => {
        seen.push(records.map((r) => decode('', r).n));
        if (failuresLeft-- > 0) throw new Error('boom');
        await checkpointer.checkpoint();
      },
    });
    const [run] = startRunners(name, shardIds, leases, processor);
    await until(() => seen.length >= 4, 10_000, '4 attempts');
    // Assess 1: the same batch, four times, then the checkpoint.
    expect(seen.slice(0, 4).every((batch) => batch.length === 50 && batch[0] === 0)).toBe(true);
    await until(() => leases.checkpoints.length === 1, 5_000, 'checkpoint');
    // Act 2: a processor that always throws; stop during its retries.
    await putNumbered(kinesis.kinesisClient, name, 50, 10);
    failuresLeft = Number.POSITIVE_INFINITY;
    await until(() => seen.length >= 7, 10_000, 'retries of the second batch');
    const stoppedAt = Date.now();
    run!.runner.requestShutdown();
    expect(await run!.done).toBe('requested');
    // Assess 2: stop is prompt, and the checkpoint never covered the failing batch.
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(leases.checkpoints.length).toBe(1);
    expect(leases.leases.get(shardIds[0]!)!.checkpoint.sequenceNumber).not.toBe('TRIM_HORIZON');
  });

  it('stays within 5 GetRecords calls per second per shard while idle and while catching up', async () => {
    // Prepare
    const { name, shardIds } = await stream(1);
    await putNumbered(kinesis.kinesisClient, name, 0, 400);
    // The moment the fetcher calls send() (what it controls; the SDK pipeline adds its own jitter after that).
    const real = kinesis.createKinesisClient();
    const calls: number[] = [];
    const client = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return (command: Parameters<typeof real.send>[0], options?: Parameters<typeof real.send>[1]) => {
          if (command instanceof GetRecordsCommand) calls.push(Date.now());
          return target.send(command, options);
        };
      },
    });
    const leases = new FakeLeases();
    const delivered: Delivered[] = [];
    leases.add({ shardId: shardIds[0]!, checkpoint: TRIM });
    const runner = harness({
      kinesisClient: client,
      streamName: name,
      leases,
      processorFactory: () => collecting(delivered)(shardIds[0]!),
      maxRecords: 20,
    }).createRunner(leases.leases.get(shardIds[0]!)!);
    // Act: 400 records at 20 per call = 20 calls while behind, then idle.
    const done = runner.run();
    await new Promise((r) => setTimeout(r, 6_000));
    runner.requestShutdown();
    await done;
    // Assess: starts are ≥ 200 ms apart, so no window of 1 s holds more than 5.
    expect(delivered.length).toBe(400);
    for (let i = 1; i < calls.length; i++) expect(calls[i]! - calls[i - 1]!).toBeGreaterThanOrEqual(200);
    for (let i = 5; i < calls.length; i++) expect(calls[i]! - calls[i - 5]!).toBeGreaterThanOrEqual(1_000);
    expect(calls.length).toBeLessThanOrEqual(31);
  });

  it('a balancing move asked for a held lease: the shard stops as in a graceful stop, then the lease is released', async () => {
    // Prepare: a scheduler runs one shard; its processor checkpoints on shutdownRequested.
    const { name, shardIds } = await stream(1);
    const shardId = shardIds[0]!;
    const leases = new FakeLeases();
    const delivered: Delivered[] = [];
    let shutdownRequested = 0;
    const h = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName: name,
      leases,
      processorFactory: () => {
        const inner = collecting(delivered)(shardId);
        return {
          ...inner,
          processRecords: (input) => inner.processRecords(input),
          shutdownRequested: async (input) => {
            shutdownRequested++;
            await input.checkpointer.checkpoint();
          },
        };
      },
    });
    leases.add({ shardId, checkpoint: TRIM });
    h.scheduler.start();
    await putNumbered(kinesis.kinesisClient, name, 0, 10);
    await until(() => delivered.length === 10, 10_000, '10 records');

    // Act: another worker asks for the lease.
    leases.requestHandoff(shardId);
    await until(() => leases.released.includes(shardId), 10_000, 'the lease released');
    await h.scheduler.stop();

    // Assess: stopped at a batch boundary, checkpointed, nothing more delivered; the bytes it consumed were counted.
    expect(shutdownRequested).toBe(1);
    expect(leases.leases.get(shardId)?.checkpoint.sequenceNumber).toBe(delivered[9]?.seq);
    expect(leases.processedBytes.get(shardId)).toBeGreaterThan(0);
  });

  it('declines a balancing move for a shard its error policy stopped here (it must not bounce between workers)', async () => {
    const { name, shardIds } = await stream(1);
    const shardId = shardIds[0]!;
    const leases = new FakeLeases();
    const h = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName: name,
      leases,
      onProcessorError: 'stop_shard',
      processorFactory: () => ({
        processRecords: () => {
          throw new Error('poison');
        },
      }),
    });
    leases.add({ shardId, checkpoint: TRIM });
    const stopped = new Promise<void>((resolve) =>
      h.events.on('consumer.shard_state', ({ to }) => to === 'DONE' && resolve()),
    );
    h.scheduler.start();
    await putNumbered(kinesis.kinesisClient, name, 0, 1);
    await stopped;
    leases.requestHandoff(shardId);
    await until(() => leases.declined.length === 1, 5_000, 'declined');
    await h.scheduler.stop();

    expect(leases.declined).toEqual([shardId]);
    expect(leases.released).toEqual([]);
  });

  it('stops delivering the moment the lease is lost and tells the processor', async () => {
    // Prepare
    const { name, shardIds } = await stream(1);
    const leases = new FakeLeases();
    const delivered: number[] = [];
    let leaseLostCalls = 0;
    const processor = (): RecordProcessor => ({
      processRecords: ({ records }) => {
        for (const r of records) delivered.push(decode('', r).n);
      },
      leaseLost: () => {
        leaseLostCalls++;
      },
    });
    const [run] = startRunners(name, shardIds, leases, processor);
    await putNumbered(kinesis.kinesisClient, name, 0, 10);
    await until(() => delivered.length === 10, 10_000, '10 records');
    // Act
    leases.leases.get(shardIds[0]!)!.held = false; // renewal failed; the event comes later
    await putNumbered(kinesis.kinesisClient, name, 10, 10);
    await new Promise((r) => setTimeout(r, 800));
    // Assess
    expect(delivered.length).toBe(10);
    expect(await run!.done).toBe('lease_lost');
    expect(leaseLostCalls).toBe(1);
    expect(leases.released).toEqual([]);
  });

  it('reads a split parent to SHARD_END before its children start (scheduler + parents check)', async () => {
    // Prepare
    const { name, shardIds } = await stream(1);
    const parent = shardIds[0]!;
    await putNumbered(kinesis.kinesisClient, name, 0, 100);
    const leases = new FakeLeases();
    const delivered: Delivered[] = [];
    const h = harness({
      kinesisClient: kinesis.kinesisClient,
      streamName: name,
      leases,
      processorFactory: () => {
        const shardId = pendingShard.shift()!;
        return collecting(delivered)(shardId);
      },
    });
    const pendingShard: string[] = [];
    const ended: string[][] = [];
    h.events.on('consumer.shard_ended', ({ childShardIds }) => ended.push(childShardIds));
    const startedOrder: string[] = [];
    h.events.on('consumer.shard_state', ({ shardId, to }) => {
      if (to === 'INITIALIZING') {
        startedOrder.push(shardId);
        pendingShard.push(shardId);
      }
    });
    // Act: split, put more (routed to the children), add the children's leases at once (they must wait).
    const summary = await kinesis.kinesisClient.send(new ListShardsCommand({ StreamName: name }));
    const range = summary.Shards![0]!.HashKeyRange!;
    const middle = ((BigInt(range.StartingHashKey!) + BigInt(range.EndingHashKey!)) / 2n).toString();
    leases.add({ shardId: parent, checkpoint: TRIM });
    h.scheduler.start();
    await until(() => delivered.length >= 100, 10_000, 'parent records');
    await kinesis.kinesisClient.send(
      new SplitShardCommand({ StreamName: name, ShardToSplit: parent, NewStartingHashKey: middle }),
    );
    await until(() => ended.length === 1, 15_000, 'parent shard end');
    const children = ended[0]!;
    // The fake lease layer creates child leases only now, as the real one does on shardEnded.
    for (const child of children) leases.add({ shardId: child, checkpoint: TRIM, parentShardIds: [parent] });
    await putNumbered(kinesis.kinesisClient, name, 100, 100);
    await until(() => delivered.length >= 200, 15_000, 'child records');
    await h.scheduler.stop();
    // Assess
    expect(children.length).toBe(2);
    expect(startedOrder[0]).toBe(parent);
    expect(new Set(startedOrder.slice(1))).toEqual(new Set(children));
    expect(leases.leases.get(parent)!.checkpoint.sequenceNumber).toBe('SHARD_END');
    expect(delivered.map((d) => d.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    assertPerKeyOrder(delivered.map((d) => ({ ...d, shardId: 'all' })));
  });
});
