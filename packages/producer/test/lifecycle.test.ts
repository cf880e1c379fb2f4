// Each test waits on events (records stored, shard maps loaded, a process's output), not on guessed times, and
// no producer deadline can fire in the reshard tests (NO_DEADLINES): a slow server only makes them slower.
// Fixed sleeps left here only pace the putter. Every put() is owned by an Outcomes from the moment it is made, and
// when a test ends (passed or not) its putter stops and its producer is closed with an aborted signal, which
// settles every record: a failing test can neither keep putting nor leave rejections unhandled (issue #15: one
// failing test here left 55,200 of them).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type KinesisClient, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { type LocalKinesis, startLocalKinesis, testBudgetMs, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { KinesisProducer, type ProducerSettings, type PutResult } from '../src/index.js';
import { Outcomes } from './outcomes.js';
import { NO_DEADLINES } from './patience.js';
import { listAllShards, readStream } from './readStream.js';

let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis({ reshardDelayMs: 300 });
});
afterAll(async () => {
  await kinesis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A producer whose puts come from a steady putter: `perTick` records every ~15 ms (`m-<n>` under
 * `key-<n % keys>`), each owned by `outcomes`. When the test ends, however it ends, the putter stops and the
 * producer is closed with an aborted signal (every record settles).
 */
function steadyProducer(
  streamName: string,
  client: KinesisClient,
  options: Partial<ProducerSettings>,
  perTick: number,
  keys: number,
) {
  const producer = new KinesisProducer({ streamName, kinesisClient: client, ...NO_DEADLINES, ...options });
  const outcomes = new Outcomes();
  let stopped = false;
  const putter = (async () => {
    for (let i = 0; !stopped; i++) {
      for (let j = 0; j < perTick; j++) {
        const n = i * perTick + j;
        outcomes.track(producer.put({ data: `m-${n}`, partitionKey: `key-${n % keys}` }));
      }
      await sleep(15);
    }
  })();
  onTestFinished(async () => {
    stopped = true;
    await putter;
    await producer.close({ signal: AbortSignal.abort() });
  });
  const shardMaps: number[] = [];
  producer.on('producer.shard_map_refreshed', (e) => shardMaps.push(e.shardCount));
  return {
    producer,
    outcomes,
    shardMaps,
    /** Resolves once the producer has loaded a shard map of `count` open shards (after this call). */
    shardMapOf(count: number): Promise<void> {
      return new Promise((resolve) => {
        const off = producer.on('producer.shard_map_refreshed', (e) => {
          if (e.shardCount !== count) return;
          off();
          resolve();
        });
      });
    },
    /** Stops putting once at least `minimum` records were put; resolves with every outcome, in put() order. */
    async stop(minimum: number): Promise<PutResult[]> {
      while (outcomes.results.length < minimum) await sleep(15);
      stopped = true;
      await putter;
      await outcomes.settledCount();
      const failed = outcomes.errors;
      if (failed.length > 0) throw failed[0];
      return outcomes.results as PutResult[];
    },
  };
}

/**
 * Splits shard 0 of a 2-shard stream at its midpoint, then merges the two children back. Each step waits until the
 * producer has loaded the new shard map and stored a record in a shard the step opened, so records flow through
 * every generation of shards whatever the server's speed.
 */
async function splitThenMerge(client: KinesisClient, streamName: string, run: ReturnType<typeof steadyProducer>) {
  const [shard0] = await listAllShards(client, streamName);
  const start = BigInt(shard0?.HashKeyRange?.StartingHashKey ?? '0');
  const end = BigInt(shard0?.HashKeyRange?.EndingHashKey ?? '0');
  const threeShards = run.shardMapOf(3);
  await client.send(
    new SplitShardCommand({
      StreamName: streamName,
      ShardToSplit: shard0?.ShardId,
      NewStartingHashKey: ((start + end) / 2n).toString(),
    }),
  );
  await kinesis.waitForStreamActive(streamName);
  await threeShards;
  await run.outcomes.resolvedWith((r) => r.shardId === 'shardId-000000000002' || r.shardId === 'shardId-000000000003');
  const twoShards = run.shardMapOf(2);
  await client.send(
    new MergeShardsCommand({
      StreamName: streamName,
      ShardToMerge: 'shardId-000000000002',
      AdjacentShardToMerge: 'shardId-000000000003',
    }),
  );
  await kinesis.waitForStreamActive(streamName);
  await twoShards;
  await run.outcomes.resolvedWith((r) => r.shardId === 'shardId-000000000004');
}

describe('KinesisProducer lifecycle against kinesis-local', () => {
  it(
    'a split and a merge during a steady put stream lose nothing, and the shard map follows',
    async () => {
      // Prepare
      const streamName = `reshard-${process.pid}`;
      await kinesis.createStream(streamName, 2);
      const client = kinesis.createKinesisClient({ maxAttempts: 1 });
      const run = steadyProducer(streamName, client, { shardMapRefreshIntervalMs: 250 }, 25, 300);
      await run.outcomes.settledCount(100); // records are flowing

      // Act: split shard 0 at its midpoint, then merge its two children back.
      await splitThenMerge(client, streamName, run);
      const results = await run.stop(1_000);
      await run.producer.close();

      // Assess: every record is in the stream (re-sends after a mismatch may duplicate, never lose)
      const read = await readStream(kinesis.kinesisClient, streamName);
      const stored = new Set(read.map((r) => r.data));
      expect(results.length).toBeGreaterThanOrEqual(1_000);
      for (let n = 0; n < results.length; n++) expect(stored.has(`m-${n}`)).toBe(true);
      // Records went to the children, then to the merged shard; the last map had the 2 open shards.
      const shardsUsed = new Set(results.map((r) => r.shardId));
      expect(shardsUsed.has('shardId-000000000002') || shardsUsed.has('shardId-000000000003')).toBe(true);
      expect(shardsUsed.has('shardId-000000000004')).toBe(true);
      expect(run.shardMaps.at(-1)).toBe(2);
      expect(run.shardMaps).toContain(3);
      // Every resolved position is real: the record is in the shard the promise named.
      const byShard = new Map<string, Set<string>>();
      for (const r of read) {
        const set = byShard.get(r.data) ?? new Set<string>();
        set.add(r.shardId);
        byShard.set(r.data, set);
      }
      results.forEach((result, n) => {
        expect(byShard.get(`m-${n}`)?.has(result.shardId)).toBe(true);
      });
      // The slowest test here under load (41 s measured beside a full `npm test` at load average ~15; 3-8 s idle).
    },
    testBudgetMs(120_000),
  );

  it(
    'strict ordering keeps per-key order across a split and a merge (aggregation on, partial failures)',
    async () => {
      // Prepare: strict ordering, aggregation on, a fifth of PutRecords calls fail some entries (retried).
      const streamName = `strict-reshard-${process.pid}`;
      await kinesis.createStream(streamName, 2);
      const client = kinesis.createKinesisClient({ maxAttempts: 1 });
      withFaults(client, [{ commands: ['PutRecords'], fault: 'partial', probability: 0.2 }]);
      const run = steadyProducer(
        streamName,
        client,
        {
          maxInFlightPerShard: 1,
          maxBufferedTimeMs: 20,
          retryBaseDelayMs: 20,
          retryMaxDelayMs: 100,
          shardMapRefreshIntervalMs: 250,
        },
        20,
        97,
      );
      await run.outcomes.settledCount(100); // records are flowing

      // Act: split shard 0, then merge its children, while putting.
      await splitThenMerge(client, streamName, run);
      const results = await run.stop(1_000);
      await run.producer.close();

      // Assess: per key, put() order is storage order as a KCL reader sees it (parents before children, then
      // sequence and sub-sequence number).
      const depth = new Map<string, number>();
      const shards = await listAllShards(kinesis.kinesisClient, streamName);
      const depthOf = (id: string | undefined): number => {
        if (id === undefined) return -1;
        const known = depth.get(id);
        if (known !== undefined) return known;
        const shard = shards.find((s) => s.ShardId === id);
        const d = 1 + Math.max(depthOf(shard?.ParentShardId), depthOf(shard?.AdjacentParentShardId));
        depth.set(id, d);
        return d;
      };
      expect(new Set(results.map((r) => r.shardId)).has('shardId-000000000004')).toBe(true);
      const last = new Map<string, [number, bigint, number]>();
      let outOfOrder = 0;
      results.forEach((r, n) => {
        const key = `key-${n % 97}`;
        const position: [number, bigint, number] = [
          depthOf(r.shardId),
          BigInt(r.sequenceNumber),
          r.subSequenceNumber ?? 0,
        ];
        const before = last.get(key);
        if (
          before !== undefined &&
          (before[0] > position[0] ||
            (before[0] === position[0] &&
              (before[1] > position[1] || (before[1] === position[1] && before[2] >= position[2]))))
        ) {
          outOfOrder++;
        }
        last.set(key, position);
      });
      expect(results.length).toBeGreaterThanOrEqual(1_000);
      expect(outOfOrder).toBe(0);
    },
    testBudgetMs(120_000),
  );

  it('a script that calls close() exits by itself (default client, no open handles)', async () => {
    const streamName = `script-${process.pid}`;
    await kinesis.createStream(streamName, 1);
    const script = fileURLToPath(new URL('./fixtures/putAndClose.mjs', import.meta.url));
    const child = spawn(process.execPath, [script], {
      env: {
        PATH: process.env.PATH ?? '',
        STREAM_NAME: streamName,
        AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
        AWS_REGION: kinesis.region,
        AWS_ACCESS_KEY_ID: kinesis.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: kinesis.credentials.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // JSON has no Infinity: a TTL of an hour is as good as none here.
        PRODUCER_OPTIONS: JSON.stringify({ requestTimeoutMs: NO_DEADLINES.requestTimeoutMs, recordTtlMs: 3_600_000 }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const printed = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve();
      });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // The puts take what the server takes (no deadline); once the script has printed its last line (after
    // close()), exiting involves no server: a process with nothing left to do is gone in milliseconds, and one
    // with an open handle never goes, so 10 s tells them apart on any machine.
    await Promise.race([printed, exited]);
    const exit = await Promise.race([
      exited,
      new Promise<'still running 10 s after its last line'>((resolve) =>
        setTimeout(() => resolve('still running 10 s after its last line'), 10_000).unref(),
      ),
    ]);
    expect({ exit, stderr }).toEqual({ exit: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ stored: 200 });
    expect(new Set((await readStream(kinesis.kinesisClient, streamName)).map((r) => r.data)).size).toBe(200);
  });
});
