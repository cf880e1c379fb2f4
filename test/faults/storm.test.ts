// Fault injection over the whole system, in one process: a KinesisProducer and three KinesisConsumer workers on
// kinesis-local + dynalite, each with its OWN real SDK clients carrying injected faults (fixtures/faultPlan.ts):
// Kinesis throttling (a 1.5 s storm where every PutRecords/GetRecords/GetShardIterator is throttled, plus random
// throttles), 500s, timeouts (some after the server did the work), connection resets, partial PutRecords
// failures; DynamoDB throttling, 500s, timeouts (some after the write landed) and resets on the lease table. A shard
// is split mid-run. Then every invariant of fixtures/invariants.ts is checked.
//
// Can it fail? invariants.test.ts proves each check turns red on a doctored log. Checked by hand on this scenario
// too: making WorkerLog.eachBatch skip the first record it ever sees makes this test fail with
// "1 acknowledged records never processed" (and "… never processed at the position the producer reported").
import { writeFileSync } from 'node:fs';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { KinesisProducer } from '@kinesis-kit/producer';
import { type LocalAws, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  faultSeed,
  leaseTableFaults,
  producerFaults,
  seededRandom,
  workerKinesisFaults,
} from './fixtures/faultPlan.js';
import { openShardIds, produce, sleep, splitOneShard, waitForSettledLeases, waitUntil } from './fixtures/fleet.js';
import { type Ack, checkInvariants, describeMissing, type Line, unprocessedAcks } from './fixtures/invariants.js';
import { WorkerLog } from './fixtures/workerLog.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws({ kinesis: { reshardDelayMs: 300 } });
});
afterAll(async () => {
  await aws?.stop();
});

describe('fault suite: every client faulted, one process', () => {
  it('storm + 500s + timeouts + resets on producer, workers and lease table, and a split: nothing lost', async () => {
    // Prepare
    const seed = faultSeed();
    console.log(`storm: fault seed ${seed} (replay with KK_FAULTS_SEED=${seed})`);
    const random = seededRandom(seed);
    const streamName = 'faults-storm';
    const app = 'kk-faults-storm';
    const failoverTimeMs = 3_000;
    await aws.kinesis.createStream(streamName, 3);
    const lines: Line[] = [];
    // The storm starts 2.5 s into production (set once the workers are up: starting them can take long under load).
    const storm = { from: Number.POSITIVE_INFINITY, minMs: 1_500, minHits: 10 }; // the producer's
    const readerStorm = { from: Number.POSITIVE_INFINITY, minMs: 1_500, minHits: 10 }; // shared by the 3 workers
    const workers = ['a', 'b', 'c'].map((id) => {
      const kinesisClient = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
      const dynamoDbClient = aws.dynamoDb.createDynamoDbClient({ maxAttempts: 1 });
      const kinesisFaults = withFaults(kinesisClient, workerKinesisFaults(random, readerStorm));
      const leaseFaults = withFaults(dynamoDbClient, leaseTableFaults(random));
      const log = new WorkerLog(id, (batch) => lines.push(...batch));
      const consumer = new KinesisConsumer({
        streamName,
        applicationName: app,
        workerId: id,
        kinesisClient,
        dynamoDbClient,
        initialPosition: 'TRIM_HORIZON',
        failoverTimeMs,
        fetchRetryMaxDelayMs: 1_000,
        autoCheckpoint: { everyMs: 1_000 }, // so failovers and steals re-deliver: the duplicate bound is exercised
        eachBatch: log.eachBatch,
      });
      log.attach(consumer);
      return { id, consumer, kinesisFaults, leaseFaults };
    });
    const producerClient = aws.kinesis.createKinesisClient({ maxAttempts: 1 });
    const putFaults = withFaults(producerClient, producerFaults(random, storm));

    const producer = new KinesisProducer({
      streamName,
      kinesisClient: producerClient,
      maxInFlightPerShard: 1, // strict per-key order, so order can be asserted end to end
      maxBufferedTimeMs: 50,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 500,
      // Records must not expire on a loaded machine, and a slow server must not turn into the producer's own
      // timeouts (their re-sends): deadlines are not what this scenario is about (see packages/producer/test/
      // faults.test.ts for them); every put must eventually be acknowledged. The injected faults stay.
      recordTtlMs: Number.POSITIVE_INFINITY,
      requestTimeoutMs: 600_000,
    });
    const retries: string[] = [];
    producer.on('producer.retry', (e) => retries.push(e.errorCode));
    const acked = new Map<number, Ack>();

    // Act: workers start under faults; ~4 s of steady puts; a split at ~2 s (before the storm at ~2.5 s).
    await Promise.all(workers.map((w) => w.consumer.start()));
    storm.from = Date.now() + 2_500;
    readerStorm.from = storm.from;
    const producing = produce(producer, acked, { total: 2_000, perTick: 100, everyMs: 200, keys: 300 });
    await sleep(2_000);
    const parent = await splitOneShard(aws.kinesis.kinesisClient, streamName);
    const failures = await producing;
    await producer.close();
    await waitUntil(
      () => unprocessedAcks(acked, lines).length === 0,
      40_000,
      () => describeMissing(acked, lines),
    ).catch((error: unknown) => {
      if (process.env.KK_FAULTS_DUMP)
        writeFileSync(process.env.KK_FAULTS_DUMP, JSON.stringify({ acked: [...acked], lines }));
      throw error;
    });
    const live = workers.map((w) => w.id);
    const finalLeases = await waitForSettledLeases(aws.dynamoDb.dynamoDbClient, app, live, () => lines, 1_500, 20_000);
    const openShards = await openShardIds(aws.kinesis.kinesisClient, streamName);
    // put() order is checked on every shard, the split's children included (strict mode; producerReshardOrder.test.ts).
    const report = checkInvariants({ acked, lines, failoverTimeMs, finalLeases, openShards, liveWorkers: live });
    await Promise.all(workers.map((w) => w.consumer.stop()));

    // Assess
    console.log(
      `storm (seed ${seed}): ${acked.size} acknowledged, ${report.deliveries} deliveries, ${report.redeliveries} re-deliveries, ` +
        `${report.producerDuplicates} stored twice by the producer, max lease overlap ${report.maxOverlapMs} ms; faults hit: ` +
        `producer ${putFaults.count()}, workers' Kinesis ${workers.map((w) => w.kinesisFaults.count())}, ` +
        `lease tables ${workers.map((w) => w.leaseFaults.count())}; producer retries ${retries.length}`,
    );
    expect(report.violations).toEqual([]);
    expect(failures).toEqual([]);
    expect(acked.size).toBe(2_000);
    // The faults really happened, on every client (else this scenario proves nothing).
    expect(putFaults.count(0)).toBeGreaterThanOrEqual(10); // the storm hit the producer
    expect(putFaults.count() - putFaults.count(0)).toBeGreaterThan(0); // and so did random faults
    for (const w of workers) {
      expect(w.kinesisFaults.count()).toBeGreaterThan(0);
      expect(w.leaseFaults.count()).toBeGreaterThan(0);
    }
    expect(workers.reduce((sum, w) => sum + w.kinesisFaults.count(0), 0)).toBeGreaterThanOrEqual(10); // storm on readers
    // The split was processed: the parent ended (SHARD_END) and its children are leased.
    expect(finalLeases.find((l) => l.shardId === parent)?.checkpoint).toBe('SHARD_END');
    expect(openShards.length).toBe(4);
  }, 150_000);
});
