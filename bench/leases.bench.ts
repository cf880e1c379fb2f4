// The lease layer at fleet scale, this branch against the previous algorithm in the same run (docs/benchmarks.md,
// "Lease layer"). Every measurement runs in a fresh child process with its own in-process dynalite.
//
//   npx tsx bench/leases.bench.ts                  # everything (about 25 minutes on 2 busy cores)
//   npx tsx bench/leases.bench.ts --only scale     # one part: scale | steady | skew
//   add --no-baseline to skip the previous algorithm, --no-write to leave docs/benchmarks.md alone
//
// The previous algorithm is the consumer package as built from the commit before this branch, kept in
// packages/consumer/.baseline (see bench/lib/baseline.ts for how to rebuild it).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ImplName, loadImpl } from './lib/baseline.js';
import { replyToParent, runChild } from './lib/childRun.js';
import { startDynaliteProcess } from './lib/dynaliteProcess.js';
import { formatLeaseBench } from './lib/formatLeaseBench.js';
import { countsByOwner, Fleet, type LeaseImpl, sleep, watchSocketWarnings } from './lib/leaseFleet.js';
import { writeBenchSection } from './lib/writeBenchSection.js';

const F = 10_000;
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const has = (name: string) => process.argv.includes(`--${name}`);

const shardKeys = (n: number) => Array.from({ length: n }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);

/** Waits until every lease is owned by a live worker and the counts differ by at most 1 (or `deadlineMs`). */
async function untilBalanced(fleet: Fleet, shards: number, deadlineMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  for (;;) {
    const ids = fleet.live().map((w) => w.id);
    const counts = countsByOwner(await fleet.owners(), ids);
    if (counts.reduce((a, b) => a + b, 0) === shards && Math.max(...counts) - Math.min(...counts) <= 1)
      return Date.now() - t0;
    if (Date.now() - t0 > deadlineMs) return undefined;
    await sleep(250);
  }
}

/**
 * Steady state: once settled for a failover time, the fleet's DynamoDB requests are counted for `--seconds` (60) and
 * reported per shard per minute, with the mix by operation.
 */
async function measureSteady(fleet: Fleet, shards: number): Promise<{ perShardMinute: number; detail: string }> {
  await sleep(F);
  fleet.resetCounts();
  const seconds = Number(arg('seconds') ?? 60);
  await sleep(seconds * 1000);
  const perMinute = (count: number) => (count / shards) * (60 / seconds);
  const detail = Object.entries(fleet.counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${perMinute(v).toFixed(2)}`)
    .join(', ');
  return { perShardMinute: perMinute(fleet.totalRequests()), detail };
}

export interface ScaleResult {
  impl: ImplName;
  shards: number;
  workers: number;
  balancedMs: number | undefined;
  movesMax: number;
  movesMean: number;
  socketWarnings: number;
  perShardMinute: number;
  detail: string;
  killTakeoverMs: number | undefined;
  killLeases: number;
  restartMs: number;
  restartMaxGapMs: number;
  restartMaxOverlapMs: number;
  restartOverlaps: number;
  restartStopP50Ms: number;
  restartStopMaxMs: number;
}

async function scale(impl: LeaseImpl, implName: ImplName, shards: number, workers: number): Promise<ScaleResult> {
  const warnings = watchSocketWarnings();
  const ddb = await startDynaliteProcess();
  const fleet = new Fleet({ impl, ddb, tableName: `scale-${shards}-${Date.now()}`, failoverTimeMs: F });
  await fleet.seed(shardKeys(shards));
  const ws = Array.from({ length: workers }, (_, i) => fleet.worker(`w${String(i).padStart(2, '0')}`));
  // Cold start: every worker starts at once.
  const t0 = Date.now();
  await Promise.all(ws.map((w) => fleet.start(w)));
  const waited = await untilBalanced(fleet, shards, 180_000 - (Date.now() - t0));
  const balancedMs = waited === undefined ? undefined : Date.now() - t0;
  const moves = [...fleet.tracker.gains.values()];
  const movesMax = Math.max(...moves);
  const movesMean = moves.reduce((a, b) => a + b, 0) / shards;
  const socketWarnings = warnings.count();
  console.error(`[${implName}] ${shards}/${workers}: balanced after ${balancedMs} ms, moves max ${movesMax}`);

  const { perShardMinute, detail } = await measureSteady(fleet, shards);

  // kill -9 of one worker: until each of its leases is held by another worker.
  const victim = fleet.live()[3]!;
  const victimKeys = [...victim.coordinator.getHeldLeases().keys()];
  const killedAt = Date.now();
  victim.kill();
  let killTakeoverMs: number | undefined;
  for (;;) {
    const owners = await fleet.owners();
    if (victimKeys.every((k) => owners.get(k) !== undefined && owners.get(k) !== victim.id)) {
      killTakeoverMs = Date.now() - killedAt;
      break;
    }
    if (Date.now() - killedAt > 4 * F) break;
    await sleep(50);
  }
  console.error(`[${implName}] kill: ${victimKeys.length} leases held again after ${killTakeoverMs} ms`);
  await victim.coordinator.stop();
  await untilBalanced(fleet, shards, 60_000);

  // Rolling restart: each live worker stop()s (its leases handed over), then a new one starts in its place.
  await sleep(2_000);
  const restartFrom = Date.now();
  const stops: number[] = [];
  for (const w of [...fleet.live()]) {
    const s0 = Date.now();
    await fleet.gracefulStop(w);
    stops.push(Date.now() - s0);
    w.killed = true; // gone from the fleet (stopped)
    await fleet.start(fleet.worker(`${w.id}.r`));
  }
  await untilBalanced(fleet, shards, 120_000);
  const restartMs = Date.now() - restartFrom;
  await sleep(2_000);
  const stats = fleet.tracker.stats(restartFrom);
  const overlaps = stats.gaps.length; // (intervals that overlap are not gaps; counted below)
  let restartOverlaps = 0;
  for (const list of fleet.tracker.intervals.values()) {
    const sorted = [...list].filter((i) => (i.to ?? Date.now()) >= restartFrom).sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.from < (sorted[i - 1]!.to ?? Date.now())) restartOverlaps++;
  }
  stops.sort((a, b) => a - b);
  console.error(
    `[${implName}] rolling restart: ${restartMs} ms, max gap ${stats.maxGapMs} ms, max overlap ${stats.maxOverlapMs} ms (${restartOverlaps} overlaps, ${overlaps} handovers)`,
  );
  await fleet.stopAll();
  await ddb.stop();
  warnings.restore();
  return {
    impl: implName,
    shards,
    workers,
    balancedMs,
    movesMax,
    movesMean,
    socketWarnings,
    perShardMinute,
    detail,
    killTakeoverMs,
    killLeases: victimKeys.length,
    restartMs,
    restartMaxGapMs: stats.maxGapMs,
    restartMaxOverlapMs: stats.maxOverlapMs,
    restartOverlaps,
    restartStopP50Ms: stops[Math.floor(stops.length / 2)] ?? 0,
    restartStopMaxMs: stops[stops.length - 1] ?? 0,
  };
}

export interface SteadyResult {
  impl: ImplName;
  shards: number;
  workers: number;
  balancedMs: number | undefined;
  perShardMinute: number;
  detail: string;
}

async function steady(impl: LeaseImpl, implName: ImplName, shards: number, workers: number): Promise<SteadyResult> {
  const ddb = await startDynaliteProcess();
  const fleet = new Fleet({ impl, ddb, tableName: `steady-${shards}-${Date.now()}`, failoverTimeMs: F });
  await fleet.seed(shardKeys(shards));
  const ws = Array.from({ length: workers }, (_, i) => fleet.worker(`w${i}`));
  const t0 = Date.now();
  await Promise.all(ws.map((w) => fleet.start(w)));
  const waited = await untilBalanced(fleet, shards, 120_000);
  const balancedMs = waited === undefined ? undefined : Date.now() - t0;
  const { perShardMinute, detail } = await measureSteady(fleet, shards);
  console.error(`[${implName}] steady ${shards}/${workers}: ${perShardMinute.toFixed(2)} (${detail})`);
  await fleet.stopAll();
  await ddb.stop();
  return {
    impl: implName,
    shards,
    workers,
    balancedMs,
    perShardMinute,
    detail,
  };
}

export interface SkewResult {
  impl: ImplName;
  settledMs: number | undefined;
  ratioSettled: number;
  ratioAfterCooling: number;
  movesToSettle: number;
  movesAfterCooling: number;
  movesByMinute: number[];
  coolingMinutes: number;
}

/**
 * 64 shards, 8 workers; 6 shards carry half the bytes. Each holder "processes" its shards at their rates (reports
 * the bytes to its coordinator every 250 ms, as a consumer does per batch). After the fleet settles, one hot shard
 * cools to a cold rate; the moves are counted per minute for `coolingMinutes`.
 */
async function skew(impl: LeaseImpl, implName: ImplName): Promise<SkewResult> {
  const shards = 64;
  const keys = shardKeys(shards);
  const hot = new Set(keys.slice(0, 6));
  const COLD_KBPS = 10;
  const HOT_KBPS = (COLD_KBPS * 58) / 6; // 6 hot = 58 cold: half the bytes
  const rate = new Map(keys.map((k) => [k, hot.has(k) ? HOT_KBPS : COLD_KBPS]));
  const ddb = await startDynaliteProcess();
  const fleet = new Fleet({ impl, ddb, tableName: `skew-${Date.now()}`, failoverTimeMs: F });
  await fleet.seed(keys);
  const ws = Array.from({ length: 8 }, (_, i) => fleet.worker(`w${i}`));
  await Promise.all(ws.map((w) => fleet.start(w)));
  const pump = setInterval(() => {
    for (const w of fleet.live())
      for (const key of w.coordinator.getHeldLeases().keys())
        w.coordinator.recordProcessed?.(key, ((rate.get(key) ?? 0) * 1024) / 4);
  }, 250);
  const ratio = async () => {
    const owners = await fleet.owners();
    const byWorker = new Map(fleet.live().map((w) => [w.id, 0]));
    for (const [key, owner] of owners)
      if (owner !== undefined) byWorker.set(owner, (byWorker.get(owner) ?? 0) + (rate.get(key) ?? 0));
    const values = [...byWorker.values()];
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return Math.max(...values) / mean;
  };
  const t0 = Date.now();
  fleet.tracker.resetGains();
  let settledMs: number | undefined;
  // Settled: within 1.2 × the mean and no move for two failover times.
  let lastMoves = -1;
  let stableSince = Date.now();
  while (Date.now() - t0 < 240_000) {
    await sleep(1_000);
    const moves = [...fleet.tracker.gains.values()].reduce((a, b) => a + b, 0);
    if (moves !== lastMoves) {
      lastMoves = moves;
      stableSince = Date.now();
    }
    if ((await ratio()) <= 1.2 && Date.now() - stableSince >= 2 * F) {
      settledMs = stableSince - t0;
      break;
    }
    if (implName === 'baseline' && Date.now() - stableSince >= 2 * F) break; // counts settle; no load to chase
  }
  const ratioSettled = await ratio();
  const movesToSettle = [...fleet.tracker.gains.values()].reduce((a, b) => a + b, 0);
  console.error(`[${implName}] skew settled after ${settledMs} ms, busiest/mean ${ratioSettled.toFixed(3)}`);
  // A hot shard cools.
  rate.set(keys[0]!, COLD_KBPS);
  fleet.tracker.resetGains();
  const coolingMinutes = Number(arg('cooling-minutes') ?? 5);
  const movesByMinute: number[] = [];
  for (let m = 0; m < coolingMinutes; m++) {
    const before = [...fleet.tracker.gains.values()].reduce((a, b) => a + b, 0);
    await sleep(60_000);
    movesByMinute.push([...fleet.tracker.gains.values()].reduce((a, b) => a + b, 0) - before);
  }
  const ratioAfterCooling = await ratio();
  console.error(
    `[${implName}] after cooling: moves per minute ${movesByMinute.join(', ')}, busiest/mean ${ratioAfterCooling.toFixed(3)}`,
  );
  clearInterval(pump);
  await fleet.stopAll();
  await ddb.stop();
  return {
    impl: implName,
    settledMs,
    ratioSettled,
    ratioAfterCooling,
    movesToSettle,
    movesAfterCooling: movesByMinute.reduce((a, b) => a + b, 0),
    movesByMinute,
    coolingMinutes,
  };
}

// --- child side ---
const part = arg('part');
if (part !== undefined) {
  const implName = (arg('impl') ?? 'branch') as ImplName;
  const impl = await loadImpl(implName);
  if (part === 'scale') replyToParent(await scale(impl, implName, Number(arg('shards')), Number(arg('workers'))));
  if (part === 'steady') replyToParent(await steady(impl, implName, Number(arg('shards')), Number(arg('workers'))));
  if (part === 'skew') replyToParent(await skew(impl, implName));
  throw new Error(`unknown part ${part}`);
}

// --- parent side ---
const self = fileURLToPath(import.meta.url);
const only = arg('only');
const impls: ImplName[] = has('no-baseline') ? ['branch'] : ['baseline', 'branch'];
const child = <T>(args: string[]) =>
  runChild<T>(self, [...args, ...process.argv.slice(2).filter((a) => a !== '--only')]);
const results: { scale: ScaleResult[]; steady: SteadyResult[]; skew: SkewResult[] } = {
  scale: [],
  steady: [],
  skew: [],
};
if (only === undefined || only === 'scale')
  for (const impl of impls)
    results.scale.push(child<ScaleResult>(['--part', 'scale', '--impl', impl, '--shards', '1024', '--workers', '32']));
if (only === undefined || only === 'steady')
  for (const [shards, workers] of [
    [1, 2],
    [8, 3],
    [64, 8],
  ] as const)
    for (const impl of impls)
      results.steady.push(
        child<SteadyResult>([
          '--part',
          'steady',
          '--impl',
          impl,
          '--shards',
          String(shards),
          '--workers',
          String(workers),
        ]),
      );
if (only === undefined || only === 'skew')
  for (const impl of impls) results.skew.push(child<SkewResult>(['--part', 'skew', '--impl', impl]));
// Parts run alone (--only) are merged with the last full run's other parts (kept in .bench-tmp/).
const saved = join(dirname(self), '..', '.bench-tmp', 'leases.json');
const previous = existsSync(saved) ? (JSON.parse(readFileSync(saved, 'utf8')) as typeof results) : undefined;
// Per part and implementation: a part re-run with --no-baseline keeps the previous algorithm's figures of that part.
const mergePart = <T extends { impl: ImplName }>(now: T[], before: T[] | undefined): T[] =>
  now.length === 0 ? (before ?? []) : [...(before ?? []).filter((x) => !now.some((y) => y.impl === x.impl)), ...now];
const merged = {
  scale: mergePart(results.scale, previous?.scale),
  steady: results.steady.length > 0 ? results.steady : (previous?.steady ?? []),
  skew: mergePart(results.skew, previous?.skew),
};
mkdirSync(dirname(saved), { recursive: true });
writeFileSync(saved, JSON.stringify(merged, null, 2));
console.log(JSON.stringify(results, null, 2));
writeBenchSection('leases', formatLeaseBench(merged, F));
