// Enhanced fan-out against kinesis-local (+ dynalite for the consumer): FanOutFetcher over real subscriptions with
// stalls, connection resets and ResourceInUseException; stream consumer registration; KinesisConsumer in fan-out
// mode across a split (shard end found without ChildShards, which kinesis-local never sends).
import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  MergeShardsCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { silentLogger, systemClock, TypedEmitter } from '@kinesis-kit/commons';
import {
  type ConsumerEvents,
  deregisterStreamConsumer,
  KinesisConsumer,
  registerStreamConsumer,
  SubscriptionStalledError,
} from '@kinesis-kit/consumer';
import { type LocalAws, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FanOutFetcher } from '../src/fetch/fanOut/FanOutFetcher.js';
import { drain, interruptSubscriptions } from './fanoutHelpers.js';
import { until } from './fixtures/runnerHarness.js';
import { putNumbered } from './fixtures/streamData.js';

let aws: LocalAws;
let counter = 0;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await aws?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const numbers = (records: readonly { data: Uint8Array }[]) =>
  records.map((r) => (JSON.parse(Buffer.from(r.data).toString('utf8')) as { n: number }).n);

async function streamWithConsumer(shards: number): Promise<{ stream: string; streamArn: string; consumerArn: string }> {
  const stream = `efo-${++counter}`;
  const { streamArn } = await aws.kinesis.createStream(stream, shards);
  const consumerArn = await registerStreamConsumer({
    kinesisClient: aws.kinesis.kinesisClient,
    streamArn,
    consumerName: `app-${counter}`,
    pollIntervalMs: 100,
  });
  return { stream, streamArn, consumerArn };
}

function fetcher(
  subscribeClient: KinesisClient,
  consumerArn: string,
  stream: string,
  events: TypedEmitter<ConsumerEvents>,
  heartbeatTimeoutMs = 15_000,
  start = 'TRIM_HORIZON',
): FanOutFetcher {
  const f = new FanOutFetcher(
    { shardId: 'shardId-000000000000', position: { sequenceNumber: start, subSequenceNumber: 0 } },
    {
      subscribeClient,
      kinesisClient: aws.kinesis.kinesisClient,
      consumerArn,
      streamName: stream,
      heartbeatTimeoutMs,
      shardEndCheckIntervalMs: 1_000,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 1_000,
      logger: silentLogger(),
      clock: systemClock,
      events,
    },
  );
  closers.push(() => f.close());
  return f;
}

describe('FanOutFetcher against kinesis-local', () => {
  it('a stalled subscription is replaced within the heartbeat window and a reset one resubscribes: nothing lost, nothing twice, in order', async () => {
    // Prepare: the 1st subscription goes silent after 2 events, the 2nd resets after 2, the 3rd fails to open.
    const { stream, consumerArn } = await streamWithConsumer(1);
    const client = aws.kinesis.createFanOutKinesisClient({ maxAttempts: 1 });
    const subscriptions = interruptSubscriptions(client, [
      { subscription: 1, afterEvents: 2, action: 'stall' },
      { subscription: 2, afterEvents: 2, action: 'reset' },
    ]);
    const faults = withFaults(client, [{ commands: ['SubscribeToShard'], fault: 'reset', after: 2, times: 1 }]);
    const events = new TypedEmitter<ConsumerEvents>(silentLogger());
    const errors: { error: unknown; at: number }[] = [];
    events.on('consumer.fetch_error', ({ error }) => errors.push({ error, at: Date.now() }));
    const eventTimes: number[] = [];
    events.on('consumer.lag', () => eventTimes.push(Date.now()));
    const heartbeatMs = 4_000; // kinesis-local sends the first event ~2 s after subscribing over h2
    const f = fetcher(client, consumerArn, stream, events, heartbeatMs);
    // Act: records keep arriving while subscriptions break.
    const total = 240;
    const producing = (async () => {
      for (let n = 0; n < total; n += 20) {
        await putNumbered(aws.kinesis.kinesisClient, stream, n, 20, 4);
        await sleep(500);
      }
    })();
    const { records } = await drain(f, total, 30_000);
    await producing;
    f.close();
    // Assess
    expect(numbers(records)).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(subscriptions()).toBeGreaterThanOrEqual(4);
    expect(faults.count()).toBe(1);
    const stall = errors.find((e) => e.error instanceof SubscriptionStalledError);
    expect(stall).toBeDefined();
    // Detected one heartbeat after the last event the stalled subscription delivered (timer slack allowed).
    const lastBeforeStall = Math.max(...eventTimes.filter((t) => t <= stall!.at));
    expect(stall!.at - lastBeforeStall).toBeGreaterThanOrEqual(heartbeatMs - 50);
    expect(stall!.at - lastBeforeStall).toBeLessThan(heartbeatMs + 1_000);
    // …and replaced: events flow again within a few seconds (kinesis-local frees the slot at its next 1 s write).
    expect(Math.min(...eventTimes.filter((t) => t > stall!.at)) - stall!.at).toBeLessThan(5_000);
    expect(errors.map((e) => (e.error as { code?: string }).code ?? (e.error as Error).name)).toContain('ECONNRESET');
  });

  it('LATEST: a subscription that breaks before its first event resumes at its start, not at a newer tip', async () => {
    // Prepare: the first subscription (LATEST) resets at its first event; records are written once it is open.
    const { stream, consumerArn } = await streamWithConsumer(1);
    const client = aws.kinesis.createFanOutKinesisClient({ maxAttempts: 1 });
    const subscriptions = interruptSubscriptions(client, [{ subscription: 1, afterEvents: 0, action: 'reset' }]);
    let opened = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'SubscribeToShardCommand') opened++;
        return result;
      },
      { step: 'initialize', name: 'countOpenedSubscriptions' },
    );
    const f = fetcher(client, consumerArn, stream, new TypedEmitter<ConsumerEvents>(silentLogger()), 15_000, 'LATEST');

    // Act
    await until(() => opened >= 1, 20_000, 'the first subscription open');
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 10, 4);
    const { records } = await drain(f, 10, 30_000);
    f.close();

    // Assess: the second subscription (after the reset) delivered what was written during the first.
    expect(subscriptions()).toBeGreaterThanOrEqual(2);
    expect(numbers(records)).toEqual(Array.from({ length: 10 }, (_, n) => n));
  });

  it('ResourceInUseException while the previous owner still subscribes: retried with backoff until the slot frees; close() aborts at once', async () => {
    // Prepare: someone else holds the (consumer, shard) subscription.
    const { stream, consumerArn } = await streamWithConsumer(1);
    await putNumbered(aws.kinesis.kinesisClient, stream, 0, 50, 4);
    const other = aws.kinesis.createFanOutKinesisClient();
    const otherAbort = new AbortController();
    const held = await other.send(
      new SubscribeToShardCommand({
        ConsumerARN: consumerArn,
        ShardId: 'shardId-000000000000',
        StartingPosition: { Type: 'LATEST' },
      }),
      { abortSignal: otherAbort.signal },
    );
    const reading = (async () => {
      try {
        for await (const _ of held.EventStream!) {
          /* keep the subscription open */
        }
      } catch {
        /* aborted */
      }
    })();
    const events = new TypedEmitter<ConsumerEvents>(silentLogger());
    const errorNames: string[] = [];
    events.on('consumer.fetch_error', ({ error }) => errorNames.push((error as Error).name));
    const f = fetcher(aws.kinesis.createFanOutKinesisClient({ maxAttempts: 1 }), consumerArn, stream, events);
    // Act: release the slot after 3 s (the "previous owner" finally lets go).
    await sleep(3_000);
    otherAbort.abort();
    await reading;
    const { records } = await drain(f, 50, 15_000);
    const closedAt = Date.now();
    f.close();
    await expect(f.next()).rejects.toThrow(/closed/);
    // Assess: the same consumer can subscribe again soon (the server frees the slot at its next 1 s write).
    expect(numbers(records)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    expect(errorNames.filter((n) => n === 'ResourceInUseException').length).toBeGreaterThanOrEqual(1);
    const again = fetcher(aws.kinesis.createFanOutKinesisClient({ maxAttempts: 1 }), consumerArn, stream, events);
    const second = await drain(again, 50, 15_000);
    expect(second.records.length).toBe(50);
    expect(Date.now() - closedAt).toBeLessThan(8_000);
    again.close();
  });
});

describe('FanOutFetcher flow control', () => {
  it('a slow taker slows the subscription: one event prefetched, nothing more read from the stream', async () => {
    // Prepare
    const { stream, consumerArn } = await streamWithConsumer(1);
    const events = new TypedEmitter<ConsumerEvents>(silentLogger());
    let read = 0;
    events.on('consumer.lag', () => read++);
    const f = fetcher(aws.kinesis.createFanOutKinesisClient(), consumerArn, stream, events);
    // Act: records arrive (the server pushes an event every second) while nobody calls next().
    for (let n = 0; n < 100; n += 20) {
      await putNumbered(aws.kinesis.kinesisClient, stream, n, 20, 4);
      await sleep(1_000);
    }
    await sleep(1_500);
    const readWhileIdle = read;
    const { records } = await drain(f, 100, 15_000);
    f.close();
    // Assess: while nobody took, at most the one prefetched event was read; then everything arrives.
    expect(readWhileIdle).toBe(1);
    expect(numbers(records)).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });
});

describe('stream consumer registration', () => {
  it('registers once, reuses the existing consumer, and the operator helper deregisters it', async () => {
    const stream = `efo-reg-${++counter}`;
    const { streamArn } = await aws.kinesis.createStream(stream, 1);
    const kinesisClient = aws.kinesis.kinesisClient;
    const [a, b] = await Promise.all([
      registerStreamConsumer({ kinesisClient, streamName: stream, consumerName: 'reg', pollIntervalMs: 100 }),
      registerStreamConsumer({ kinesisClient, streamArn, consumerName: 'reg', pollIntervalMs: 100 }),
    ]);
    expect(a).toBe(b);
    const described = await kinesisClient.send(new DescribeStreamConsumerCommand({ ConsumerARN: a }));
    expect(described.ConsumerDescription?.ConsumerStatus).toBe('ACTIVE');
    expect(await deregisterStreamConsumer({ kinesisClient, streamArn, consumerName: 'reg' })).toBe(true);
    const listed = await kinesisClient.send(new ListStreamConsumersCommand({ StreamARN: streamArn }));
    expect(listed.Consumers ?? []).toEqual([]);
    expect(await deregisterStreamConsumer({ kinesisClient, streamArn, consumerName: 'reg' })).toBe(false);
  });
});

describe('KinesisConsumer with retrieval: fanout', () => {
  it('registers its consumer, reads 2 shards through a split and a merge, finding shard ends without ChildShards: nothing lost, parents before children, per-key order', async () => {
    // Prepare
    const stream = `efo-consumer-${++counter}`;
    await aws.kinesis.createStream(stream, 2);
    const got: { shardId: string; n: number; t: number }[] = [];
    const ended: string[] = [];
    const consumer = new KinesisConsumer({
      streamName: stream,
      applicationName: `efo-app-${counter}`,
      workerId: 'efo-worker',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      failoverTimeMs: 3_000,
      parentShardPollIntervalMs: 200,
      schedulerTickMs: 200,
      retrieval: {
        type: 'fanout',
        kinesisClient: aws.kinesis.createFanOutKinesisClient(),
        shardEndCheckIntervalMs: 1_000,
      },
      eachBatch: ({ shardId, records }) => {
        const t = Date.now();
        for (const n of numbers(records)) got.push({ shardId, n, t });
      },
    });
    closers.push(() => consumer.stop());
    consumer.on('consumer.shard_ended', ({ shardId }) => ended.push(shardId));
    await consumer.start();
    const client = aws.kinesis.kinesisClient;
    // Act
    await putNumbered(client, stream, 0, 200, 8);
    const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    const s0 = shards[0]!;
    const middle = (BigInt(s0.HashKeyRange!.StartingHashKey!) + BigInt(s0.HashKeyRange!.EndingHashKey!)) / 2n;
    await client.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: s0.ShardId!, NewStartingHashKey: middle.toString() }),
    );
    await aws.kinesis.waitForStreamActive(stream);
    await putNumbered(client, stream, 200, 200, 8);
    const afterSplit = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    const upperChild = afterSplit.find(
      (s) => s.ParentShardId === s0.ShardId && s.HashKeyRange!.StartingHashKey === middle.toString(),
    )!;
    await client.send(
      new MergeShardsCommand({
        StreamName: stream,
        ShardToMerge: upperChild.ShardId!,
        AdjacentShardToMerge: shards[1]!.ShardId!,
      }),
    );
    await aws.kinesis.waitForStreamActive(stream);
    await putNumbered(client, stream, 400, 200, 8);
    await until(() => new Set(got.map((g) => g.n)).size === 600, 40_000, 'every record');
    await consumer.stop();
    // Assess
    const registered = await client.send(
      new ListStreamConsumersCommand({
        StreamARN: (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream })))
          .StreamDescriptionSummary!.StreamARN!,
      }),
    );
    expect(registered.Consumers?.map((c) => c.ConsumerName)).toEqual([`efo-app-${counter}`]);
    expect(new Set(got.map((g) => g.n)).size).toBe(600);
    expect(ended).toEqual(expect.arrayContaining([s0.ShardId, shards[1]!.ShardId, upperChild.ShardId]));
    const all = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    expect(all.length).toBe(5);
    for (const shard of all) {
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined);
      const ofChild = got.filter((g) => g.shardId === shard.ShardId).map((g) => g.t);
      if (parents.length > 0) expect(ofChild.length).toBeGreaterThan(0);
      for (const parent of parents) {
        const lastOfParent = Math.max(...got.filter((g) => g.shardId === parent).map((g) => g.t));
        expect(lastOfParent).toBeLessThanOrEqual(Math.min(...ofChild));
      }
    }
    // Per key, n only goes up in delivery order (one worker, no re-deliveries expected).
    const byKey = new Map<number, number>();
    for (const g of got) {
      expect(g.n).toBeGreaterThan(byKey.get(g.n % 8) ?? -1);
      byKey.set(g.n % 8, g.n);
    }
  });
});
