// A worker cut off from the lease table (every DynamoDB call of its client times out) for longer than
// failoverTimeMs, while its Kinesis client still works: the "zombie" case. It must stop delivering its shards by
// its own deadline, the other worker takes them over, and when the table comes back the fleet rebalances. Records
// keep flowing through all of it. Every invariant of fixtures/invariants.ts is checked, and — stronger than the
// general overlap bound — the cut-off worker's last delivery of each shard must come before the other worker gains
// it. (Its `lease_lost` event may come a little later: the lease stops being held, and delivered, at the local
// deadline itself, but the event fires when the renewer next looks — measured up to ~150 ms after the takeover.)
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { KinesisProducer } from '@kinesis-kit/producer';
import { type LocalAws, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openShardIds, produce, sleep, waitForSettledLeases, waitUntil } from './fixtures/fleet.js';
import { type Ack, checkInvariants, describeMissing, type Line, unprocessedAcks } from './fixtures/invariants.js';
import { WorkerLog } from './fixtures/workerLog.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

describe('fault suite: lease table partition', () => {
  it('a worker cut off from DynamoDB for 2 × failoverTimeMs lets go of its shards before anyone takes them', async () => {
    // Prepare
    const streamName = 'faults-partition';
    const app = 'kk-faults-partition';
    const failoverTimeMs = 3_000;
    await aws.kinesis.createStream(streamName, 4);
    const lines: Line[] = [];
    const blackout = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
    const workers = ['cut', 'ok'].map((id) => {
      const dynamoDbClient = aws.dynamoDb.createDynamoDbClient({ maxAttempts: 1 });
      const faults = withFaults(dynamoDbClient, [
        {
          fault: 'timeout',
          delayMs: 300,
          when: () => id === 'cut' && Date.now() >= blackout.from && Date.now() < blackout.to,
        },
      ]);
      const log = new WorkerLog(id, (batch) => lines.push(...batch));
      const consumer = new KinesisConsumer({
        streamName,
        applicationName: app,
        workerId: id,
        kinesisClient: aws.kinesis.createKinesisClient({ maxAttempts: 1 }),
        dynamoDbClient,
        initialPosition: 'TRIM_HORIZON',
        failoverTimeMs,
        autoCheckpoint: { everyMs: 1_000 },
        eachBatch: log.eachBatch,
      });
      log.attach(consumer);
      return { id, consumer, faults };
    });
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: aws.kinesis.createKinesisClient(),
      maxInFlightPerShard: 1,
      maxBufferedTimeMs: 50,
    });
    const acked = new Map<number, Ack>();

    // Act: both workers share the shards; then "cut" loses the table for 6 s while records keep coming.
    await Promise.all(workers.map((w) => w.consumer.start()));
    await waitForSettledLeases(aws.dynamoDb.dynamoDbClient, app, ['cut', 'ok'], () => lines, 1_000, 20_000);
    const producing = produce(producer, acked, { total: 1_500, perTick: 50, everyMs: 200, keys: 100 });
    await sleep(1_000);
    blackout.from = Date.now();
    // What "cut" holds when the blackout starts (a balancing move can still land between settling and now): a shard
    // gained and not since lost, or handed over (a move ends its runner: 'done').
    const cutShards = [...new Set(lines.filter((l) => l.w === 'cut').map((l) => l.shardId as string))].filter((s) => {
      const last = lines.filter(
        (l) => l.w === 'cut' && l.shardId === s && (l.type === 'gained' || l.type === 'lost' || l.type === 'done'),
      );
      return last.at(-1)?.type === 'gained';
    });
    blackout.to = blackout.from + 2 * failoverTimeMs;
    await sleep(2 * failoverTimeMs);
    const failures = await producing;
    await producer.close();
    await waitUntil(
      () => unprocessedAcks(acked, lines).length === 0,
      40_000,
      () => describeMissing(acked, lines),
    );
    const finalLeases = await waitForSettledLeases(
      aws.dynamoDb.dynamoDbClient,
      app,
      ['cut', 'ok'],
      () => lines,
      1_500,
      30_000,
    );
    const openShards = await openShardIds(aws.kinesis.kinesisClient, streamName);
    const report = checkInvariants({
      acked,
      lines,
      failoverTimeMs,
      finalLeases,
      openShards,
      liveWorkers: ['cut', 'ok'],
    });
    await Promise.all(workers.map((w) => w.consumer.stop()));

    // Assess
    const handovers = cutShards.map((shardId) => {
      const mine = lines.filter((l) => l.w === 'cut' && l.shardId === shardId && l.t >= blackout.from);
      const lost = mine.find((l) => l.type === 'lost');
      const lastDelivery = mine.filter((l) => l.n !== undefined && (lost === undefined || l.t <= lost.t)).at(-1);
      const gained = lines.find(
        (l) => l.w === 'ok' && l.shardId === shardId && l.type === 'gained' && l.t >= blackout.from,
      );
      const since = (t: number | undefined) => (t ?? Number.NaN) - blackout.from;
      return {
        shardId,
        lastDeliveryAfterMs: since(lastDelivery?.t ?? blackout.from),
        lostAfterMs: since(lost?.t),
        gainedAfterMs: since(gained?.t),
      };
    });
    console.log(
      `partition: ${acked.size} acknowledged, ${report.deliveries} deliveries, ${report.redeliveries} re-deliveries, max lease overlap ${report.maxOverlapMs} ms; ` +
        `cut worker's shards (ms after the cut: last delivery / lease_lost event / taken over): ${handovers.map((h) => `${h.shardId} ${h.lastDeliveryAfterMs}/${h.lostAfterMs}/${h.gainedAfterMs}`).join(', ')}; ` +
        `DynamoDB calls failed on the cut worker: ${workers[0]?.faults.count()}`,
    );
    expect(report.violations).toEqual([]);
    expect(failures).toEqual([]);
    expect(cutShards.length).toBeGreaterThan(0);
    for (const h of handovers) {
      // Dropped by its own deadline (≤ failoverTimeMs after its last successful renewal, so within the blackout),
      // delivering nothing after that, and taken over only afterwards.
      expect(h.lostAfterMs).toBeLessThanOrEqual(failoverTimeMs + 1_000);
      expect(h.lastDeliveryAfterMs).toBeLessThan(failoverTimeMs);
      expect(h.gainedAfterMs).toBeGreaterThan(h.lastDeliveryAfterMs);
    }
  }, 120_000);
});
