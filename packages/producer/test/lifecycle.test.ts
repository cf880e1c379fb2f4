import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type KinesisClient, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { type LocalKinesis, startLocalKinesis, withFaults } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisProducer, type PutResult } from '../src/index.js';
import { listAllShards, readStream } from './readStream.js';

let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis({ reshardDelayMs: 300 });
});
afterAll(async () => {
  await kinesis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Puts `perTick` records every ~15 ms (`m-<n>` under `key-<n % keys>`) until `stop()`; then settles them all. */
function steadyPuts(producer: KinesisProducer, perTick: number, keys: number) {
  const promises: Promise<PutResult>[] = [];
  let stopped = false;
  const putter = (async () => {
    for (let i = 0; !stopped; i++) {
      for (let j = 0; j < perTick; j++) {
        const n = i * perTick + j;
        promises.push(producer.put({ data: `m-${n}`, partitionKey: `key-${n % keys}` }));
      }
      await sleep(15);
    }
  })();
  return {
    promises,
    stop: async () => {
      stopped = true;
      await putter;
      return Promise.all(promises);
    },
  };
}

/** Splits shard 0 of a 2-shard stream at its midpoint, then merges the two children back (waiting `settleMs` after each). */
async function splitThenMerge(client: KinesisClient, streamName: string, settleMs: number): Promise<void> {
  const [shard0] = await listAllShards(client, streamName);
  const start = BigInt(shard0?.HashKeyRange?.StartingHashKey ?? '0');
  const end = BigInt(shard0?.HashKeyRange?.EndingHashKey ?? '0');
  await client.send(
    new SplitShardCommand({
      StreamName: streamName,
      ShardToSplit: shard0?.ShardId,
      NewStartingHashKey: ((start + end) / 2n).toString(),
    }),
  );
  await kinesis.waitForStreamActive(streamName);
  await sleep(settleMs);
  await client.send(
    new MergeShardsCommand({
      StreamName: streamName,
      ShardToMerge: 'shardId-000000000002',
      AdjacentShardToMerge: 'shardId-000000000003',
    }),
  );
  await kinesis.waitForStreamActive(streamName);
  await sleep(settleMs);
}

describe('KinesisProducer lifecycle against kinesis-local', () => {
  it('a split and a merge during a steady put stream lose nothing, and the shard map follows', async () => {
    // Prepare
    const streamName = `reshard-${process.pid}`;
    await kinesis.createStream(streamName, 2);
    const client = kinesis.createKinesisClient({ maxAttempts: 1 });
    const producer = new KinesisProducer({ streamName, kinesisClient: client, shardMapRefreshIntervalMs: 250 });
    const refreshes: number[] = [];
    producer.on('producer.shard_map_refreshed', (e) => refreshes.push(e.shardCount));
    const puts = steadyPuts(producer, 25, 300);
    const { promises } = puts;

    // Act: split shard 0 at its midpoint, then merge its two children back.
    await sleep(500);
    await splitThenMerge(client, streamName, 700);
    const results = await puts.stop();
    await producer.close();

    // Assess: every record is in the stream (re-sends after a mismatch may duplicate, never lose)
    const read = await readStream(kinesis.kinesisClient, streamName);
    const stored = new Set(read.map((r) => r.data));
    expect(promises.length).toBeGreaterThan(1_000);
    for (let n = 0; n < promises.length; n++) expect(stored.has(`m-${n}`)).toBe(true);
    // Records went to the children, then to the merged shard; the last map had the 2 open shards.
    const shardsUsed = new Set(results.map((r) => r.shardId));
    expect(shardsUsed.has('shardId-000000000002') || shardsUsed.has('shardId-000000000003')).toBe(true);
    expect(shardsUsed.has('shardId-000000000004')).toBe(true);
    expect(refreshes.at(-1)).toBe(2);
    expect(refreshes).toContain(3);
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
  }, 60_000);

  it('strict ordering keeps per-key order across a split and a merge (aggregation on, partial failures)', async () => {
    // Prepare: strict ordering, aggregation on, a fifth of PutRecords calls fail some entries (retried).
    const streamName = `strict-reshard-${process.pid}`;
    await kinesis.createStream(streamName, 2);
    const client = kinesis.createKinesisClient({ maxAttempts: 1 });
    withFaults(client, [{ commands: ['PutRecords'], fault: 'partial', probability: 0.2 }]);
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: client,
      maxInFlightPerShard: 1,
      maxBufferedTimeMs: 20,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 100,
      shardMapRefreshIntervalMs: 250,
    });
    const puts = steadyPuts(producer, 20, 97);

    // Act: split shard 0, then merge its children, while putting.
    await sleep(400);
    await splitThenMerge(client, streamName, 600);
    const results = await puts.stop();
    await producer.close();

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
    expect(results.length).toBeGreaterThan(1_000);
    expect(outOfOrder).toBe(0);
  }, 60_000);

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
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = await new Promise<number | null | 'timeout'>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('timeout');
      }, 15_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect({ exit, stderr }).toEqual({ exit: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ stored: 200 });
    expect(new Set((await readStream(kinesis.kinesisClient, streamName)).map((r) => r.data)).size).toBe(200);
  }, 30_000);
});
