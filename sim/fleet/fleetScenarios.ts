import { installGlobalPatches } from '../world/globalPatches.js';
import { Random } from '../world/Random.js';
import { SIM_EPOCH_MS, World } from '../world/World.js';
import { FleetSim, type FleetSimOptions } from './FleetSim.js';

/** What a fleet run measured (true time, ms). */
export interface FleetResult {
  readonly scenario: FleetScenario;
  readonly seed: number;
  readonly shards: number;
  readonly workers: number;
  /** Cold start: all leases held and counts within 1 (count) / within the band (load). */
  readonly balancedMs: number | undefined;
  /** Holds per lease from the start until balanced (the first take counts): max and mean. */
  readonly movesMax: number;
  readonly movesMean: number;
  /** DynamoDB requests per shard per minute over a steady minute after balancing. */
  readonly perShardMinute: number;
  readonly requestMix: Record<string, number>;
  /** Lease moves during that minute (0: the fleet stays put once balanced). */
  readonly steadyMoves: number;
  /** crash: until every lease of the killed worker is held by another. */
  readonly takeoverMs?: number | undefined;
  /** rolling-restart: overlaps (duplicates) and the longest gap while it ran. */
  readonly overlaps?: number;
  readonly maxOverlapMs?: number;
  readonly maxGapMs?: number;
  readonly restartMs?: number;
  /** skew: busiest worker's rate ÷ mean, settled; moves per minute after a hot shard cooled; ratio after. */
  readonly ratioSettled?: number;
  readonly movesByMinute?: number[];
  readonly ratioAfter?: number;
  readonly harnessErrors: string[];
}

export type FleetScenario = 'cold-start' | 'crash' | 'rolling-restart' | 'skew';

export interface FleetRunOptions {
  readonly scenario: FleetScenario;
  readonly seed: number;
  readonly shards: number;
  readonly workers: number;
  readonly failoverTimeMs?: number;
  /** Minutes of cooling observed in `skew`. @default 5 */
  readonly coolingMinutes?: number;
  /** `skew`: instead of one hot shard cooling, all traffic stops (every lease's throughput decays). */
  readonly trafficStops?: boolean;
  /** Further coordinator options. */
  readonly leaseOptions?: Record<string, unknown>;
}

const shardKeys = (n: number) => Array.from({ length: n }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);

/** Runs one fleet scenario in virtual time (deterministic per seed). */
export async function runFleet(options: FleetRunOptions): Promise<FleetResult> {
  const world = new World();
  const root = new Random(options.seed);
  const mathRandom = root.fork('Math.random');
  const harnessErrors: string[] = [];
  const restore = installGlobalPatches({
    wallNow: () => Math.floor(SIM_EPOCH_MS + world.now),
    random: () => mathRandom.next(),
    onRealTimer: (what, stack) =>
      harnessErrors.push(`library code armed a real ${what}: ${stack.split('\n')[2]?.trim()}`),
  });
  try {
    return await run(options, world, root, harnessErrors);
  } finally {
    restore();
  }
}

async function run(o: FleetRunOptions, world: World, root: Random, harnessErrors: string[]): Promise<FleetResult> {
  const F = o.failoverTimeMs ?? 10_000;
  const simOptions: FleetSimOptions = {
    world,
    random: root.fork('fleet'),
    failoverTimeMs: F,
    latencyMs: [2, 12],
    throttleShare: 0,
    maxStalenessMs: 500,
    stopShardMs: [20, 300],
  };
  const sim = new FleetSim(simOptions);
  const keys = shardKeys(o.shards);
  const seeding = sim.seed(keys);
  await world.runUntil(world.now + 60_000);
  await seeding;
  const t0 = world.now;
  const starts = root.fork('starts');
  // Every worker starts within the first second (a deploy of the whole fleet).
  for (let i = 0; i < o.workers; i++)
    world.after(starts.range(0, 1_000), undefined, () => sim.start(`w${String(i).padStart(2, '0')}`, o.leaseOptions));
  if (o.scenario === 'skew') {
    const hot = 6;
    const cold = 10;
    for (const [i, key] of keys.entries()) sim.rates.set(key, i < hot ? (cold * (o.shards - hot)) / hot : cold);
  }
  const balanced = () => {
    const loads = [...sim.loads(o.scenario === 'skew').values()];
    const owned = [...sim.owners().values()].filter((x) => x !== undefined).length;
    if (owned !== o.shards || loads.length === 0) return false;
    if (o.scenario !== 'skew') return Math.max(...loads) - Math.min(...loads) <= 1;
    const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
    return Math.max(...loads) <= 1.2 * mean;
  };
  let balancedAt: number | undefined;
  for (let t = t0 + 1_000; t <= t0 + 300_000; t += 500) {
    await world.runUntil(t);
    if (balanced()) {
      balancedAt = t;
      break;
    }
  }
  const moves = [...sim.holds.movesBetween(t0, balancedAt ?? world.now).values()];
  const base = {
    scenario: o.scenario,
    seed: o.seed,
    shards: o.shards,
    workers: o.workers,
    balancedMs: balancedAt === undefined ? undefined : balancedAt - t0,
    movesMax: Math.max(0, ...moves),
    movesMean: moves.reduce((a, b) => a + b, 0) / Math.max(1, o.shards),
  };
  // Steady state: a failover time to settle, then a minute counted.
  await world.runUntil(world.now + F);
  sim.resetCounts();
  const steadyFrom = world.now;
  await world.runUntil(world.now + 60_000);
  const requestMix = Object.fromEntries([...sim.counts].map(([k, v]) => [k, v / o.shards]));
  const steadyMoves = [...sim.holds.movesBetween(steadyFrom, world.now).values()].reduce((a, b) => a + b, 0);
  const steady = { ...base, perShardMinute: sim.requests() / o.shards, requestMix, steadyMoves };
  const errors = () => [...harnessErrors, ...sim.network.harnessErrors, ...sim.dynamodb.validationErrors];

  if (o.scenario === 'crash') {
    const victim = sim.live()[3 % sim.live().length]!;
    const keysOfVictim = [...victim.coordinator.getHeldLeases().keys()];
    const killedAt = world.now;
    sim.kill(victim);
    let takeoverMs: number | undefined;
    for (let t = killedAt + 50; t <= killedAt + 4 * F; t += 50) {
      await world.runUntil(t);
      const owners = sim.owners();
      if (keysOfVictim.every((k) => owners.get(k) !== undefined && owners.get(k) !== victim.id)) {
        takeoverMs = t - killedAt;
        break;
      }
    }
    return { ...steady, takeoverMs, harnessErrors: errors() };
  }
  if (o.scenario === 'rolling-restart') {
    const from = world.now;
    for (const worker of [...sim.live()]) {
      const stopping = sim.stop(worker);
      let done = false;
      stopping.then(() => (done = true)).catch(() => (done = true));
      while (!done) await world.runUntil(world.now + 100);
      sim.start(`${worker.id}.r`, o.leaseOptions);
      await world.runUntil(world.now + 1_000);
    }
    for (let t = world.now; t <= world.now + 120_000 && !balanced(); t += 500) await world.runUntil(t);
    const restartMs = world.now - from;
    await world.runUntil(world.now + 2_000);
    return { ...steady, ...sim.holds.stats(from), restartMs, harnessErrors: errors() };
  }
  if (o.scenario === 'skew') {
    const ratio = () => {
      const loads = [...sim.loads(true).values()];
      return Math.max(...loads) / (loads.reduce((a, b) => a + b, 0) / loads.length);
    };
    const ratioSettled = ratio();
    if (o.trafficStops === true) for (const key of sim.rates.keys()) sim.rates.set(key, 0);
    else sim.rates.set(shardKeys(1)[0]!, 10);
    const movesByMinute: number[] = [];
    for (let m = 0; m < (o.coolingMinutes ?? 5); m++) {
      const start = world.now;
      await world.runUntil(start + 60_000);
      movesByMinute.push([...sim.holds.movesBetween(start, world.now).values()].reduce((a, b) => a + b, 0));
    }
    return { ...steady, ratioSettled, movesByMinute, ratioAfter: ratio(), harnessErrors: errors() };
  }
  return { ...steady, harnessErrors: errors() };
}
