// Graceful handoff with a named successor (docs/leases.md, "Graceful handoff") over dynalite + kinesis-local:
// consumers in-process with their own clients, and the fallback paths at the coordinator level.
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { DynamoDBLeaseTable } from '@kinesis-kit/consumer/leases';
import { type LocalAws, startLocalAws, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putNumbered } from './fixtures/streamData.js';
import {
  countsByOwner,
  makeWorker,
  ownership,
  settled,
  sleepMs,
  uniqueName,
  type Worker,
  waitUntil,
} from './leasesHelpers.js';

const F = 3_000;
let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
}, 30_000);
afterAll(async () => {
  await aws?.stop();
});

describe('graceful handoff (dynalite + kinesis-local)', () => {
  it('8 shards / 3 workers: a stopping worker hands every shard to a named successor with a processing gap ≤ 1 s, losing and repeating nothing', async () => {
    // Prepare
    const streamName = uniqueName('hs');
    const app = uniqueName('ha');
    await aws.kinesis.createStream(streamName, 8);
    const got = new Map<number, string[]>();
    const initializedAt = new Map<string, { w: string; t: number }[]>();
    const doneAt = new Map<string, { w: string; t: number }>();
    const stopped = new Map<string, { durationMs: number; leasesHandedOver: number; leasesReleased: number }>();
    const held = new Map<string, Set<string>>();
    const consumers = ['h1', 'h2', 'h3'].map((workerId) => {
      const c = new KinesisConsumer({
        streamName,
        applicationName: app,
        workerId,
        kinesisClient: aws.kinesis.createKinesisClient(),
        dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
        initialPosition: 'TRIM_HORIZON',
        failoverTimeMs: F,
        idleTimeBetweenReadsMs: 200,
        eachBatch: ({ records }) => {
          for (const r of records) {
            const { n } = JSON.parse(Buffer.from(r.data).toString('utf8')) as { n: number };
            got.set(n, [...(got.get(n) ?? []), workerId]);
          }
        },
      });
      c.on('consumer.shard_state', ({ shardId, to }) => {
        if (to === 'INITIALIZING')
          initializedAt.set(shardId, [...(initializedAt.get(shardId) ?? []), { w: workerId, t: Date.now() }]);
        if (to === 'DONE') doneAt.set(`${workerId}/${shardId}`, { w: workerId, t: Date.now() });
      });
      c.on('consumer.stopped', (e) => stopped.set(workerId, e));
      const mine = new Set<string>();
      held.set(workerId, mine);
      c.on('consumer.lease_gained', ({ shardId }) => mine.add(shardId));
      c.on('consumer.lease_lost', ({ shardId }) => mine.delete(shardId));
      // A balancing move hands the lease over (no loss): the shard stopped here first.
      c.on('consumer.lease_handoff', ({ shardId }) => mine.delete(shardId));
      return c;
    });
    const table = new DynamoDBLeaseTable({ dynamoDbClient: aws.dynamoDb.dynamoDbClient, tableName: app });
    await Promise.all(consumers.map((c) => c.start()));
    // Balanced, and every balancing move finished (its shard stopped on the giving side, started on the other).
    await waitUntil(
      async () => {
        const owners = await ownership(table);
        return (
          countsByOwner(owners).join('/') === '3/3/2' &&
          [...held].every(([w, mine]) => [...owners].filter(([, o]) => o === w).every(([k]) => mine.has(k))) &&
          [...held.values()].reduce((n, mine) => n + mine.size, 0) === 8
        );
      },
      30_000,
      100,
    );
    const owners = await ownership(table);
    const leavingId = [...owners.values()].find((o) => countsOf(owners, o!) === 3)!;
    const leaving = consumers.find((c) => c.workerId === leavingId)!;
    const itsShards = [...owners].filter(([, o]) => o === leavingId).map(([k]) => k);

    // Act: records flow (20 every 100 ms) while the worker stops.
    const total = 1_000;
    const producing = (async () => {
      for (let n = 0; n < total; n += 20) {
        await putNumbered(aws.kinesis.kinesisClient, streamName, n, 20);
        await sleepMs(100);
      }
    })();
    await sleepMs(1_500);
    const stopStartedAt = Date.now();
    await leaving.stop();
    const stopMs = Date.now() - stopStartedAt;
    await producing;
    await waitUntil(() => got.size === total, 30_000, 100);
    await sleepMs(500);
    await Promise.all(consumers.map((c) => c.stop()));

    // Assess
    const gaps = itsShards.map((shardId) => {
      const done = doneAt.get(`${leavingId}/${shardId}`)!;
      const next = (initializedAt.get(shardId) ?? []).find((i) => i.w !== leavingId && i.t >= stopStartedAt);
      expect(next, `shard ${shardId} restarted elsewhere`).toBeDefined();
      return next!.t - done.t;
    });
    const duplicates = [...got.values()].filter((ws) => ws.length > 1).length;
    expect(got.size).toBe(total);
    expect(duplicates).toBe(0);
    expect(stopped.get(leavingId)).toMatchObject({ leasesHandedOver: 3, leasesReleased: 0 });
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(1_000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    console.log(
      `[handoff] 8/3: gaps ${gaps.join(', ')} ms (stop→successor initialize), stop() ${stopMs} ms, ${total} records, 0 duplicates`,
    );
  }, 90_000);

  it('falls back to a plain release when the named successor never acknowledges, within the bound', async () => {
    // Prepare: b is live in a's last scan, then its DynamoDB client fails every UpdateItem (a faulted successor:
    // it sees the requests but cannot acknowledge them).
    const { workers, table } = await fleet(['fa', 'fb'], 4);
    await Promise.all(workers.map((w) => w.coordinator.start()));
    await waitUntil(async () => countsByOwner(await ownership(table)).join('/') === '2/2', 20_000, 100);
    await settled(workers, table);
    const [a, b] = workers as [Worker, Worker];
    const faults = withFaults(b.client, [{ commands: ['UpdateItem'], fault: 'internal' }]);
    const aKeys = [...a.coordinator.getHeldLeases().keys()];
    const outcomes: string[] = [];
    a.coordinator.on('lease_handoff', (e) => outcomes.push(e.outcome));

    // Act
    const t0 = Date.now();
    await a.coordinator.prepareHandoff({ maxWaitMs: 5_000 });
    await Promise.all(aKeys.map(async (k) => a.coordinator.releaseLease(k)));
    const stopMs = Date.now() - t0;
    await a.coordinator.stop();

    // Assess: every lease released (owner removed), none transferred, stop() within the ack bound.
    const after = await table.listLeases();
    for (const k of aKeys) {
      const lease = after.find((l) => l.leaseKey === k)!;
      expect(lease.leaseOwner).toBeUndefined();
      expect(lease.handoff).toBeUndefined();
    }
    expect(outcomes).toEqual(aKeys.map(() => 'released'));
    expect(a.coordinator.handoffCounts).toEqual({ transferred: 0, released: aKeys.length });
    expect(faults.count()).toBeGreaterThan(0);
    // Bound: 1.25 × b's scan period (2 workers × 1 s) + 2 polls + 500 ms, plus the writes.
    expect(stopMs).toBeLessThanOrEqual(1.25 * 2_000 + 200 + 500 + 500);
    faults.remove();
    await b.coordinator.stop();
    console.log(`[handoff] no acknowledgement: released ${aKeys.length} leases after ${stopMs} ms`);
  }, 40_000);

  it('a handoff request left by a crashed worker is harmless: only the named worker reacts, the lease expires and is taken as usual', async () => {
    // Prepare
    const { workers, table } = await fleet(['ca', 'cb', 'cc'], 3);
    await Promise.all(workers.map((w) => w.coordinator.start()));
    await waitUntil(async () => countsByOwner(await ownership(table)).join('/') === '1/1/1', 20_000, 100);
    await settled(workers, table);
    const [crashing, named, other] = workers as [Worker, Worker, Worker];
    const [key] = [...crashing.coordinator.getHeldLeases().keys()] as [string];
    const otherHeld = [...other.coordinator.getHeldLeases().keys()];

    // Act: a request naming `named`, then the requester stops renewing (crash, nothing released).
    await table.requestHandoff(key, crashing.id, named.id, 'crashed/1', Date.now());
    await crashing.coordinator.stop();
    const crashedAt = Date.now();
    // The named worker acknowledges at its next scan — unless, on a slow machine, the lease expired and was taken
    // first (the take clears the request): either way nobody transfers it.
    await waitUntil(
      async () => {
        const lease = await table.getLease(key);
        return lease?.handoff?.acknowledged === true || lease?.leaseOwner !== crashing.id;
      },
      F + 10_000,
      20,
    );
    const acknowledged = (await table.getLease(key))?.handoff?.acknowledged === true;
    if (acknowledged) await sleepMs(500);
    const afterAck = await table.getLease(key);
    await waitUntil(async () => {
      const lease = await table.getLease(key);
      return lease?.leaseOwner === named.id || lease?.leaseOwner === other.id;
    }, F + 5_000);
    const takeoverMs = Date.now() - crashedAt;
    const lease = await table.getLease(key);
    await sleepMs(300);
    await Promise.all([named.coordinator.stop(), other.coordinator.stop()]);

    // Assess: taken after the normal expiry (never transferred by anyone), the request cleared by the take.
    expect(lease?.handoff).toBeUndefined();
    expect(takeoverMs).toBeGreaterThanOrEqual(F - 1_600); // the last renewal may precede the crash by ≤ F / 2
    expect(takeoverMs).toBeLessThanOrEqual(F + 2_000);
    // Acknowledged by the named worker only; nobody transferred it (a transfer would leave no expiry wait).
    if (acknowledged) expect(afterAck?.leaseOwner).toBe(crashing.id);
    expect(other.gained.filter((k) => !otherHeld.includes(k) && k !== key)).toEqual([]);
    console.log(`[handoff] stale request: lease taken ${takeoverMs} ms after the requester crashed`);
  }, 40_000);
});

async function fleet(ids: string[], shards: number) {
  const streamName = uniqueName('hf');
  await aws.kinesis.createStream(streamName, shards);
  const tableName = uniqueName('ht');
  const workers = ids.map((id) =>
    makeWorker(id, {
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      kinesisClient: aws.kinesis.createKinesisClient(),
      streamName,
      tableName,
      failoverTimeMs: F,
      takingIntervalMs: 1_000,
    }),
  );
  return { workers, table: (workers[0] as Worker).table };
}

function countsOf(owners: ReadonlyMap<string, string | undefined>, id: string): number {
  return [...owners.values()].filter((o) => o === id).length;
}
