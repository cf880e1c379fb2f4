// Lease sessions and the two-phase checkpoint against dynalite: what a stale batch and an ambiguous write can do.
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { LeaseLostError, LeaseTableError, TRIM_HORIZON } from '@kinesis-kit/consumer';
import { newLease } from '@kinesis-kit/consumer/leases';
import { Fault, type LocalDynamoDB, startLocalDynamoDB, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerLeaseLayer } from '../src/scheduler/WorkerLeaseLayer.js';
import { makeWorker, uniqueName } from './leasesHelpers.js';

let ddb: LocalDynamoDB;
beforeAll(async () => {
  ddb = await startLocalDynamoDB();
});
afterAll(async () => {
  await ddb?.stop();
});

const at = (sequenceNumber: string) => ({ sequenceNumber, subSequenceNumber: 0 });

/** A worker on a fresh table holding one lease `s-0`; its client has no SDK retries (each fault is seen once). */
async function holding(requestTimeoutMs?: number) {
  const tableName = uniqueName('sessions');
  const client = ddb.createDynamoDbClient({ maxAttempts: 1 });
  const worker = makeWorker('w1', {
    dynamoDbClient: client,
    tableName,
    failoverTimeMs: 10_000,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
  await worker.table.initialize();
  await worker.table.createLeaseIfNotExists(newLease('s-0', TRIM_HORIZON));
  await worker.coordinator.takeOnce();
  const session = worker.coordinator.getHeldLeaseSessions().get('s-0')?.session;
  if (session === undefined) throw new Error('w1 did not take s-0');
  return { worker, session, table: worker.table, client };
}

describe('lease sessions (dynalite)', () => {
  it('a checkpoint from a lost session fails even after the worker took the lease again: no rewind', async () => {
    // Prepare: w1 holds s-0 in session A; a thief takes it, checkpoints 300 and releases it; w1 takes it again (B).
    const { worker, session: a, table } = await holding();
    await worker.coordinator.checkpoint('s-0', at('100'), { session: a });
    const thief = makeWorker('thief', { dynamoDbClient: ddb.dynamoDbClient, tableName: table.tableName });
    const stolen = await thief.table.takeLease((await table.getLease('s-0'))!, 'thief');
    await thief.table.updateCheckpoint('s-0', 'thief', stolen!.leaseCounter, { checkpoint: at('300') });
    await thief.table.evictLease('s-0', 'thief', stolen!.leaseCounter + 1);
    expect((await worker.coordinator.renewOnce()).lost).toEqual(['s-0']);
    await worker.coordinator.takeOnce();
    const b = worker.coordinator.getHeldLeaseSessions().get('s-0')?.session;
    expect(b).toBeDefined();
    expect(b).not.toBe(a);

    // Act: a batch of session A, still inside its processor all along, checkpoints now.
    const stale = worker.coordinator.checkpoint('s-0', at('200'), { session: a });

    // Assess
    await expect(stale).rejects.toBeInstanceOf(LeaseLostError);
    expect((await table.getLease('s-0'))?.checkpoint).toEqual(at('300'));
    await worker.coordinator.checkpoint('s-0', at('400'), { session: b });
    expect((await table.getLease('s-0'))?.checkpoint).toEqual(at('400'));
  });

  it('prepareCheckpoint after a checkpoint that landed unheard (timeout) keeps that checkpoint and adds the pending one', async () => {
    // Prepare
    const { worker, session, table, client } = await holding();
    // The worker's adapter (internal, imported from source; the coordinator comes from the package build).
    const layer = new WorkerLeaseLayer(
      worker.coordinator as unknown as ConstructorParameters<typeof WorkerLeaseLayer>[0],
    );
    await layer.checkpoint('s-0', session, at('100'));
    const faults = withFaults(client, [{ commands: ['UpdateItem'], fault: Fault.TIMEOUT, afterSend: true, times: 1 }]);
    await expect(layer.checkpoint('s-0', session, at('200'))).rejects.toBeInstanceOf(LeaseTableError);
    expect(faults.count()).toBe(1);
    expect((await table.getLease('s-0'))?.checkpoint).toEqual(at('200')); // it landed

    // Act
    await layer.prepareCheckpoint('s-0', session, at('300'));

    // Assess: never back to 100
    const lease = await table.getLease('s-0');
    expect(lease?.checkpoint).toEqual(at('200'));
    expect(lease?.pendingCheckpoint).toEqual(at('300'));
    await layer.checkpoint('s-0', session, at('300'));
    const committed = await table.getLease('s-0');
    expect(committed?.checkpoint).toEqual(at('300'));
    expect(committed?.pendingCheckpoint).toBeUndefined();
  });

  it('a checkpoint removes the KCL pendingCheckpointState along with the pending checkpoint', async () => {
    const { worker, session, table, client } = await holding();
    const counter = (await table.getLease('s-0'))!.leaseCounter;
    await client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { leaseKey: { S: 's-0' } },
        UpdateExpression: 'SET pendingCheckpointState = :b, pendingCheckpoint = :p',
        ExpressionAttributeValues: { ':b': { B: new Uint8Array([1, 2, 3]) }, ':p': { S: '150' } },
      }),
    );
    expect((await table.getLease('s-0'))?.leaseCounter).toBe(counter);
    await worker.coordinator.checkpoint('s-0', at('200'), { session });
    const item = await client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: { leaseKey: { S: 's-0' } },
        ConsistentRead: true,
      }),
    );
    expect(item.Item?.pendingCheckpointState).toBeUndefined();
    expect(item.Item?.pendingCheckpoint).toBeUndefined();
    expect(item.Item?.checkpoint?.S).toBe('200');
  });

  it("a hung DynamoDB request is cut at requestTimeoutMs: it blocks neither the lease's later writes nor stop()", async () => {
    // Prepare: the next UpdateItem (a renewal) hangs for a minute.
    const { worker, session, table, client } = await holding(300);
    withFaults(client, [{ commands: ['UpdateItem'], fault: Fault.DELAY, delayMs: 60_000, times: 1 }]);
    const started = Date.now();

    // Act
    const renewal = await worker.coordinator.renewOnce();
    await worker.coordinator.checkpoint('s-0', at('100'), { session });
    await worker.coordinator.stop();

    // Assess: the renewal failed (retriable) instead of hanging; the checkpoint behind it went through.
    expect(renewal.failed).toEqual(['s-0']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await table.getLease('s-0'))?.checkpoint).toEqual(at('100'));
  });

  it('a shard end whose release fails is still a shard end: no lease loss, SHARD_END stored', async () => {
    // Prepare: the release after the SHARD_END write is throttled (the second UpdateItem from now on).
    const { worker, session, table, client } = await holding();
    const lost: string[] = [];
    worker.coordinator.on('lease_lost', (lease) => lost.push(lease.leaseKey));
    withFaults(client, [{ commands: ['UpdateItem'], fault: Fault.THROTTLE, after: 1, times: 1 }]);

    // Act
    await worker.coordinator.shardEnded('s-0', [], { session });

    // Assess
    expect(lost).toEqual([]);
    expect((await table.getLease('s-0'))?.checkpoint.sequenceNumber).toBe('SHARD_END');
    expect(worker.coordinator.holdsSession('s-0')).toBe(false);
  });
});
