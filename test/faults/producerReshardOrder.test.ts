// Regression test for a producer bug the storm scenario found (seed 402221391): with `maxInFlightPerShard: 1`
// (documented as strict per-key order "also across retries"), a record still being retried for a shard that was
// then split could be stored in a child shard AFTER a later record of the same key, which went straight to the
// child once the shard map was reloaded: the parent's queue and the child's queue each allowed one request in
// flight, independently. Fixed: a child shard's queue sends nothing until its closed parent settled its records.
//
// Deterministic: record 0 is throttled until record 1 (same key, put after the map reload that followed the
// split) is stored, or for 4 s; record 1 must still be stored after record 0, in the same child shard.
import { KinesisProducer, type PutResult } from '@kinesis-kit/producer';
import { type LocalKinesis, startLocalKinesis, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openShardIds, sleep, splitOneShard } from './fixtures/fleet.js';

let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis?.stop();
});

describe('producer: strict per-key order across a reshard', () => {
  it('a record retried across a split is stored before a later record of its key', async () => {
    // Prepare: one shard; every PutRecords carrying record 0 is throttled until record 1 is stored (at most 4 s).
    const streamName = 'faults-order-reshard';
    await kinesis.createStream(streamName, 1);
    const client = kinesis.createKinesisClient({ maxAttempts: 1 });
    let holding = true;
    const carriesFirst = (input: Readonly<Record<string, unknown>>) =>
      holding &&
      ((input.Records as { Data?: Uint8Array }[] | undefined) ?? []).some(
        (r) => Buffer.from(r.Data ?? []).toString() === 'first',
      );
    withFaults(client, [{ commands: ['PutRecords'], fault: 'throttle', when: carriesFirst }]);
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: client,
      aggregationEnabled: false,
      maxInFlightPerShard: 1,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 200,
      shardMapRefreshIntervalMs: 200,
    });
    const refreshes: number[] = [];
    producer.on('producer.shard_map_refreshed', () => refreshes.push(Date.now()));

    // Act: put record 0; split its shard while it is being retried; once the producer reloaded its map after the
    // split finished, put record 1.
    const first = producer.put({ partitionKey: 'k', data: 'first' });
    await sleep(200);
    await splitOneShard(kinesis.kinesisClient, streamName);
    while ((await openShardIds(kinesis.kinesisClient, streamName)).length < 2) await sleep(50);
    const splitDone = Date.now();
    while (!refreshes.some((t) => t > splitDone)) await sleep(50);
    const second = producer.put({ partitionKey: 'k', data: 'second' });
    const release = setTimeout(() => {
      holding = false;
    }, 4_000);
    const b = await second;
    holding = false;
    clearTimeout(release);
    const a = (await first) as PutResult;
    await producer.close();

    // Assess: both are in the same child shard; put() order must be storage order.
    expect(a.shardId).toBe(b.shardId);
    expect(BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber)).toBe(true);
  }, 20_000);
});
