import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countsByOwner, makeWorker, ownership, sleepMs, uniqueName, type Worker, waitUntil } from './leasesHelpers.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
}, 30_000);
afterAll(async () => {
  await aws?.stop();
});

describe('lease coordination (dynalite + kinesis-local)', () => {
  it('balances 8 shards over 3 workers to 3/3/2, then moves nothing', async () => {
    // Prepare
    const streamName = uniqueName('bal');
    await aws.kinesis.createStream(streamName, 8);
    const tableName = uniqueName('bal');
    const workers: Worker[] = ['w1', 'w2', 'w3'].map((id) =>
      makeWorker(id, {
        dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
        kinesisClient: aws.kinesis.createKinesisClient(),
        streamName,
        tableName,
      }),
    );
    const cycles = new Map<string, number>();
    for (const w of workers) w.coordinator.on('taking_cycle', () => cycles.set(w.id, (cycles.get(w.id) ?? 0) + 1));

    // Act
    const started = Date.now();
    await Promise.all(workers.map((w) => w.coordinator.start()));
    const table = workers[0]!.table;
    await waitUntil(async () => countsByOwner(await ownership(table)).join('/') === '3/3/2', 20_000, 100);
    const convergedMs = Date.now() - started;
    const changesBefore = workers.reduce((n, w) => n + w.gained.length, 0);
    const before = await ownership(table);
    await sleepMs(6_000);
    const after = await ownership(table);
    const changesAfter = workers.reduce((n, w) => n + w.gained.length, 0);
    await Promise.all(workers.map((w) => w.coordinator.stop()));

    // Assess
    expect(after).toEqual(before);
    expect(changesAfter - changesBefore).toBe(0);
    expect(workers.reduce((n, w) => n + w.lost.length, 0)).toBe(changesBefore - 8);
    console.log(`converged in ${convergedMs} ms, ${changesBefore} takes; cycles`, Object.fromEntries(cycles));
  }, 40_000);
});
