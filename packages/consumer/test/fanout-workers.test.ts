// The part-2 worker scenarios (worker-processes.test.ts) in enhanced fan-out mode: worker OS processes (the BUILT
// package: run `node scripts/build.mjs` or tsc -b first) with RETRIEVAL=fanout over kinesis-local + dynalite.
// kill -9 leaves its subscriptions open until the kernel closes the socket; graceful stop aborts them; either way
// the next owner may meet ResourceInUseException for ~1 s and must retry, losing nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allLines,
  checkDeliveries,
  killWorkers,
  produceNumbered,
  spawnWorker,
  type WorkerProcess,
  waitForAll,
} from './fixtures/workerProcesses.js';

let aws: LocalAws;
const dir = mkdtempSync(path.join(tmpdir(), 'kk-fanout-workers-'));
const workers: WorkerProcess[] = [];
const FANOUT = { RETRIEVAL: 'fanout' };

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await killWorkers(workers);
  await aws?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fan-out workers as OS processes', () => {
  it('kill -9 of one of 3 fan-out workers on 4 shards mid-stream: nothing lost, duplicates only after its checkpoints, order kept', async () => {
    // Prepare
    const stream = 'efo-procs-kill';
    await aws.kinesis.createStream(stream, 4);
    const files = [0, 1, 2].map((i) => path.join(dir, `kill-${i}.jsonl`));
    const mine: WorkerProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await spawnWorker(aws, { id: `kill-w${i}`, stream, app: 'efo-kill', out: files[i]!, env: FANOUT });
      workers.push(w);
      mine.push(w);
    }
    // Act: a steady producer (20 records / 100 ms) for ~8 s; kill -9 the first worker seen processing records
    // through fan-out (under load, which worker gets going first varies).
    const total = 1_600;
    const producing = produceNumbered(aws.kinesis.kinesisClient, stream, total, 20, 100);
    const deadline = Date.now() + 20_000;
    let victim: WorkerProcess | undefined;
    while (victim === undefined && Date.now() < deadline) {
      await sleep(250);
      const processing = allLines(files).find((l) => l.type === undefined && l.n !== undefined);
      victim = mine.find((w) => w.id === processing?.w);
    }
    expect(victim).toBeDefined();
    await sleep(500);
    victim!.child.kill('SIGKILL');
    await victim!.exited;
    await producing;
    await waitForAll(files, total, 40_000);
    // Assess (checkDeliveries also throws on a re-delivery a checkpoint covered, or broken per-key order)
    const lines = allLines(files);
    const { duplicates, missing } = checkDeliveries(lines, total);
    expect(missing).toEqual([]);
    const victimShards = new Set(lines.filter((l) => l.w === victim!.id && l.type === 'gained').map((l) => l.shardId));
    expect(victimShards.size).toBeGreaterThan(0);
    const victimProcessed = lines.filter((l) => l.w === victim!.id && l.type === undefined).length;
    expect(victimProcessed).toBeGreaterThan(0); // it really read through fan-out before dying
    const survivorsGained = new Set(
      lines.filter((l) => l.w !== victim!.id && l.type === 'gained').map((l) => l.shardId),
    );
    for (const shardId of victimShards) expect(survivorsGained.has(shardId)).toBe(true);
    console.log(`fan-out kill -9: ${total} records, ${duplicates} duplicate deliveries`);
    for (const w of mine) if (w !== victim) w.child.kill('SIGTERM');
    await Promise.all(mine.map((w) => w.exited));
  });

  it('graceful stop of one fan-out worker: its shards continue elsewhere, no duplicates', async () => {
    // Prepare
    const stream = 'efo-procs-stop';
    await aws.kinesis.createStream(stream, 4);
    const files = [0, 1, 2].map((i) => path.join(dir, `stop-${i}.jsonl`));
    const mine: WorkerProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await spawnWorker(aws, { id: `stop-w${i}`, stream, app: 'efo-stop', out: files[i]!, env: FANOUT });
      workers.push(w);
      mine.push(w);
    }
    await sleep(3_000); // leases spread
    const gainedBy = (id: string) =>
      new Set(
        allLines(files)
          .filter((l) => l.w === id && l.type === 'gained')
          .map((l) => l.shardId),
      );
    const leaving = mine.find((w) => gainedBy(w.id).size > 0)!;
    expect(leaving).toBeDefined();
    // Act
    const total = 800;
    const producing = produceNumbered(aws.kinesis.kinesisClient, stream, total, 20, 100);
    await sleep(2_000);
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toBe(0);
    await producing;
    await waitForAll(files, total, 40_000);
    // Assess
    const lines = allLines(files);
    const { duplicates, missing } = checkDeliveries(lines, total);
    expect(missing).toEqual([]);
    expect(duplicates).toBe(0);
    const stopping = lines.find((l) => l.w === leaving.id && l.type === 'stopping')!;
    const stopped = lines.find((l) => l.w === leaving.id && l.type === 'stopped')!;
    // The shards it held when asked to stop: gained and not lost before.
    const held = new Set<string>();
    for (const l of lines.filter((x) => x.w === leaving.id && x.t < stopping.t).sort((a, b) => a.t - b.t)) {
      if (l.type === 'gained') held.add(l.shardId!);
      // Lost, or handed over before (a balancing move: its runner ended on request, 'done').
      if (l.type === 'lost' || l.type === 'done') held.delete(l.shardId!);
    }
    for (const shardId of held) {
      const next = lines.find(
        (l) => l.type === 'gained' && l.shardId === shardId && l.w !== leaving.id && l.t >= stopping.t,
      );
      expect(next).toBeDefined();
      // The new owner's first record of that shard after the stop: the subscription handoff time.
      const firstAfter = lines.find(
        (l) => l.type === undefined && l.shardId === shardId && l.w === next!.w && l.t >= next!.t,
      );
      if (firstAfter !== undefined)
        console.log(`fan-out handoff of ${shardId}: first record ${firstAfter.t - stopped.t} ms after stop() resolved`);
    }
    for (const w of mine) if (w !== leaving) w.child.kill('SIGTERM');
    await Promise.all(mine.map((w) => w.exited));
  });
});
