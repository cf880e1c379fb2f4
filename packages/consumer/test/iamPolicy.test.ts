// The IAM policy docs/operations.md gives for the polling consumer (examples/iam/consumer-policy.json) must allow
// every call the consumer makes. Two workers over kinesis-local + dynalite walk every lease path that calls
// something: table creation, shard sync, taking, a balancing move (a handoff the new worker asks for), checkpoints
// and a graceful stop's handoff; every command either client sent is recorded and looked up in the policy.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '@kinesis-kit/commons';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './fixtures/runnerHarness.js';
import { putNumbered } from './fixtures/streamData.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

interface Statement {
  Action: string | string[];
}

/** Records `service:Command` for every request a client sends. */
function recording<C extends { middlewareStack: { add: (...args: never[]) => unknown } }>(
  client: C,
  service: string,
  calls: Set<string>,
): C {
  const add = client.middlewareStack.add as unknown as (
    middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => unknown,
    options: { step: string; name: string },
  ) => void;
  add(
    (next, context) => (args: unknown) => {
      calls.add(`${service}:${(context.commandName ?? '?').replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'initialize', name: 'recordIamAction' },
  );
  return client;
}

describe('IAM policy of the polling consumer', () => {
  it('allows every call two workers make through taking, a balancing move, checkpoints and a graceful stop', async () => {
    // Prepare
    const policy = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../../examples/iam/consumer-policy.json'), 'utf8'),
    ) as { Statement: Statement[] };
    const allowed = new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    const streamName = `iam-policy-${process.pid}`;
    const applicationName = `iam-policy-app-${process.pid}`;
    await aws.kinesis.createStream(streamName, 4);
    await putNumbered(aws.kinesis.kinesisClient, streamName, 0, 40, 8);
    const calls = new Set<string>();
    let processed = 0;
    const gained = new Map<string, number>();
    const worker = (workerId: string) => {
      const consumer = new KinesisConsumer({
        streamName,
        applicationName,
        workerId,
        kinesisClient: recording(aws.kinesis.createKinesisClient(), 'kinesis', calls),
        dynamoDbClient: recording(aws.dynamoDb.createDynamoDbClient(), 'dynamodb', calls),
        initialPosition: 'TRIM_HORIZON',
        keepProcessAlive: false,
        logger: silentLogger(),
        failoverTimeMs: 3_000,
        eachBatch: ({ records }) => {
          processed += records.length;
        },
      });
      consumer.on('consumer.lease_gained', () => gained.set(workerId, (gained.get(workerId) ?? 0) + 1));
      return consumer;
    };
    const a = worker('a');
    const b = worker('b');

    // Act: a takes every shard; b joins and asks for its share (handoffs); a stops and hands the rest to b.
    await a.start();
    await until(() => (gained.get('a') ?? 0) === 4 && processed >= 40, 30_000, 'a holds every shard');
    await b.start();
    // By count b's share is 2; by load (a's leases carry the throughput of the records it read) it may be 1.
    await until(() => (gained.get('b') ?? 0) >= 1, 60_000, 'b got leases by balancing moves');
    const movedToB = gained.get('b') ?? 0;
    await a.stop();
    await until(() => (gained.get('b') ?? 0) >= 4, 30_000, 'b holds every shard after a stopped');
    await b.stop();
    console.log(`iam policy: ${movedToB} lease(s) moved to b by balancing, then ${4 - movedToB} by a's stop`);

    // Assess
    expect([...calls].filter((call) => !allowed.has(call)).sort()).toEqual([]);
    expect(calls).toContain('dynamodb:Scan');
    expect(calls).toContain('dynamodb:BatchGetItem'); // the handoff paths ran
    expect(calls).toContain('kinesis:GetRecords');
  }, 120_000);
});
