import { checkRun, type RunStats } from './checker/checkRun.js';
import { owedRecords } from './checker/owed.js';
import type { FaultEvent, RunLog, StopRecord, WorkerEvent } from './checker/RunLog.js';
import type { Violation } from './checker/Violation.js';
import { FakeDynamoDB } from './dynamodb/FakeDynamoDB.js';
import { LeaseStore } from './dynamodb/LeaseStore.js';
import { applyAction } from './faults/applyAction.js';
import { FaultState } from './faults/FaultState.js';
import { generateScenario, type ScenarioOverrides } from './faults/generateScenario.js';
import type { Scenario } from './faults/Scenario.js';
import { FakeKinesis } from './kinesis/FakeKinesis.js';
import { KinesisRouter } from './kinesis/KinesisRouter.js';
import { SimProducer } from './kinesis/SimProducer.js';
import { SimStream, simStreamId } from './kinesis/SimStream.js';
import { SimNetwork } from './network/SimNetwork.js';
import { DeliveryLog } from './workers/DeliveryLog.js';
import { Fleet } from './workers/Fleet.js';
import { installGlobalPatches } from './world/globalPatches.js';
import { Random } from './world/Random.js';
import { SIM_EPOCH_MS, World } from './world/World.js';

export interface SeedRunOptions extends ScenarioOverrides {
  readonly seed: number;
}

export interface SeedResult {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly log: RunLog;
  readonly violations: Violation[];
  readonly stats: RunStats;
  readonly eventsRun: number;
}

const QUIET_POLL_MS = 1_000;
/** After the fleet has caught up, a little more quiet time, so the last checkpoints land before everyone stops. */
const SETTLE_MS = 1_000;

/**
 * Runs one seed: the scenario's fleet of real consumers against the in-memory services in virtual time, through
 * the fault phase, the quiet period (until the fleet caught up) and a final graceful stop of everyone; then checks
 * the log. Same seed, same run: every source of time and randomness is derived from the seed.
 */
export async function runSeed(options: SeedRunOptions): Promise<SeedResult> {
  const scenario = generateScenario(options.seed, options);
  const root = new Random(options.seed);
  const world = new World();
  let wallOffsetMs = 0;
  const mathRandom = root.fork('Math.random');
  const harnessErrors: string[] = [];
  const onUnhandled = (reason: unknown) => harnessErrors.push(`unhandled rejection: ${String(reason)}`);
  process.on('unhandledRejection', onUnhandled);
  const restore = installGlobalPatches({
    wallNow: () => Math.floor(SIM_EPOCH_MS + world.now + wallOffsetMs),
    random: () => mathRandom.next(),
    onRealTimer: (what, stack) =>
      harnessErrors.push(`library code armed a real ${what}: ${stack.split('\n')[2]?.trim()}`),
  });
  try {
    const log = await simulate(scenario, root, world, harnessErrors, (delta) => {
      wallOffsetMs += delta;
    });
    const { violations, stats } = checkRun(log);
    return { seed: options.seed, scenario, log, violations, stats, eventsRun: world.eventsRun };
  } finally {
    restore();
    process.off('unhandledRejection', onUnhandled);
  }
}

async function simulate(
  scenario: Scenario,
  root: Random,
  world: World,
  harnessErrors: string[],
  stepWallClock: (deltaMs: number) => void,
): Promise<RunLog> {
  // One stream, or several through one lease table: then every shard is known to the checker by its lease key
  // (`streamId:shardId`: shard ids repeat across streams), and the services sit behind one router.
  const multi = scenario.streams !== undefined;
  const plans = scenario.streams ?? [{ name: 'sim-stream', shards: scenario.shardCount, trackedAtStart: true }];
  const streams = plans.map(
    (p, i) =>
      new SimStream(
        p.shards,
        root.fork(multi ? `stream:${p.name}` : 'stream'),
        SIM_EPOCH_MS - 86_400_000 + i * 1_000,
        p.name,
      ),
  );
  const fakes = streams.map((s, i) => new FakeKinesis(s, world, multi ? { iteratorPrefix: `AAAAAAAA${i}S` } : {}));
  const kinesis = fakes[0]!;
  const kinesisService = multi ? new KinesisRouter(fakes) : kinesis;
  const keyOf = (stream: SimStream, shardId: string) => (multi ? `${simStreamId(stream)}:${shardId}` : shardId);
  const byName = new Map(streams.map((s) => [s.name, s]));
  const eventKey = (shardId: string, streamName: string | undefined) => {
    const stream = streamName === undefined ? undefined : byName.get(streamName);
    return stream === undefined ? shardId : keyOf(stream, shardId);
  };
  const tracked = new Set(plans.filter((p) => p.trackedAtStart).map((p) => p.name));
  const store = new LeaseStore(root.fork('dynamodb.staleness'), scenario.maxStalenessMs);
  const dynamodb = new FakeDynamoDB(store, world, root.fork('dynamodb'));
  const faults = new FaultState(root.fork('faults'), () => world.now, {
    faultsEndAt: scenario.faultPhaseMs,
    baseline: scenario.processorFaults,
    slowCalls: scenario.slowCalls,
  });
  const network = new SimNetwork(world, faults, root.fork('network'));
  let n = 0;
  const producers = streams.map(
    (s) =>
      new SimProducer(s, root.fork(multi ? `puts:${s.name}` : 'puts'), scenario.keyCount, {
        nextN: () => ++n,
        shardKey: (shardId) => keyOf(s, shardId),
        hotShare: scenario.hotShare,
      }),
  );
  const deliveries = new DeliveryLog(
    () => world.now,
    () => world.nextOrder(),
  );
  const events: WorkerEvent[] = [];
  const stops: StopRecord[] = [];
  const faultLog: FaultEvent[] = [];
  const fleet = new Fleet(
    {
      world,
      network,
      kinesis,
      dynamodb,
      log: deliveries,
      events,
      stops,
      trouble: faults,
      failoverTimeMs: scenario.failoverTimeMs,
      stopBoundMs: scenario.stopBoundMs,
      initialPosition: scenario.initialPosition,
      atTimestamp: scenario.atTimestamp,
      streams: multi
        ? { tracked: () => [...tracked], formerStreamLeaseDeletion: scenario.formerStreamLeaseDeletion }
        : undefined,
      keyOf: eventKey,
      kinesisService,
    },
    scenario.slots,
    root.fork('skew'),
    scenario.maxDrift,
  );

  schedulePuts(scenario, world, producers, root.fork('put-times'), multi ? root.fork('put-streams') : undefined);
  for (const action of scenario.actions)
    world.schedule(action.at, undefined, () =>
      applyAction(action, {
        world,
        fleet,
        faults,
        kinesis: fakes,
        tracked,
        faultPhaseMs: scenario.faultPhaseMs,
        log: faultLog,
        stepWallClock,
      }),
    );

  await world.runUntil(scenario.faultPhaseMs);
  faultLog.push({ t: world.now, o: world.nextOrder(), text: 'faults end; quiet period' });
  if (fleet.alive().length === 0) {
    const worker = fleet.start(fleet.slots[0]!) ?? fleet.alive()[0];
    faultLog.push({ t: world.now, o: world.nextOrder(), text: `start ${worker?.plan.id} (nobody was running)` });
  }
  const snapshot = (quietEndAt: number, endAt: number, liveAtQuietEnd: readonly string[]): RunLog => ({
    seed: scenario.seed,
    scenario: scenario.name,
    initialPosition: scenario.initialPosition,
    atTimestamp: scenario.atTimestamp,
    failoverTimeMs: scenario.failoverTimeMs,
    maxDrift: scenario.maxDrift,
    quietEndAt,
    endAt,
    acked: multi ? producers.flatMap((p) => p.acked).sort((a, b) => a.n - b.n) : producers[0]!.acked,
    shards: streams.flatMap((stream) =>
      stream.shards.map((s) => ({
        shardId: keyOf(stream, s.id),
        parents: [s.parentShardId, s.adjacentParentShardId]
          .filter((p): p is string => p !== undefined)
          .map((p) => keyOf(stream, p)),
        closedAt: s.closedAt,
        recordCount: s.records.length,
      })),
    ),
    iterators: multi
      ? (kinesisService as KinesisRouter).served.map((it) => ({
          ...it,
          shardId: keyOf(byName.get(it.stream ?? '') ?? streams[0]!, it.shardId),
        }))
      : kinesis.served,
    writes: store.writes,
    attempts: deliveries.attempts,
    sessions: deliveries.sessions,
    workerEvents: events,
    faults: faultLog,
    stops,
    failedCalls: network.failedCalls,
    liveAtQuietEnd,
    harnessErrors: [
      ...harnessErrors,
      ...network.harnessErrors,
      ...dynamodb.validationErrors.map((e) => `DynamoDB would refuse this: ${e}`),
    ],
  });

  // Quiet period: no faults; done as soon as every owed record is processed, every lease finished or read, and every
  // open shard of a tracked stream has a lease (a stream added late, or a sync that failed, creates them late).
  const openTrackedShards = () =>
    streams
      .filter((stream) => tracked.has(stream.name))
      .flatMap((stream) => stream.shards.filter((s) => s.closedAt === undefined).map((s) => keyOf(stream, s.id)));
  const quietLimit = scenario.faultPhaseMs + scenario.quietMaxMs;
  let quietEndAt = quietLimit;
  for (let t = scenario.faultPhaseMs + QUIET_POLL_MS; t <= quietLimit; t += QUIET_POLL_MS) {
    await world.runUntil(t);
    if (caughtUp(snapshot(t, t, []), deliveries.processed, store, openTrackedShards())) {
      quietEndAt = Math.min(t + SETTLE_MS, quietLimit);
      break;
    }
  }
  await world.runUntil(quietEndAt);
  const liveAtQuietEnd = fleet.alive().map((w) => w.plan.id);
  faultLog.push({
    t: world.now,
    o: world.nextOrder(),
    text: `quiet period ends; final stop of ${liveAtQuietEnd.join(', ') || 'nobody'}`,
  });
  for (const worker of fleet.alive()) worker.stop(true);
  const stopLimit = quietEndAt + scenario.stopBoundMs + 2_000;
  for (let t = quietEndAt + 200; t <= stopLimit; t += 200) {
    await world.runUntil(t);
    if (stops.every((s) => !s.final || s.resolvedAt !== undefined)) break;
  }
  return snapshot(quietEndAt, world.now, liveAtQuietEnd);
}

function schedulePuts(
  scenario: Scenario,
  world: World,
  producers: readonly SimProducer[],
  random: Random,
  streamPick: Random | undefined,
): void {
  const meanGapMs = 1_000 / scenario.putsPerSecond;
  const put = () => {
    if (world.now >= scenario.faultPhaseMs) return;
    // Several streams: each put goes to one at random (its own draws, so one-stream runs keep theirs).
    const producer = streamPick === undefined ? producers[0]! : streamPick.pick(producers);
    if (random.chance(scenario.aggregatedShare)) producer.putAggregate(world.now, random.int(2, 5));
    else producer.putPlain(world.now);
    world.after(random.range(0.2, 1.8) * meanGapMs, undefined, put);
  };
  world.schedule(random.range(0, meanGapMs), undefined, put);
}

/** Every owed record processed, every closed shard's lease at SHARD_END, every unfinished lease read at least once. */
function caughtUp(
  log: RunLog,
  processed: ReadonlySet<number>,
  store: LeaseStore,
  openTrackedShards: readonly string[],
): boolean {
  for (const record of owedRecords(log)) if (!processed.has(record.n)) return false;
  for (const key of openTrackedShards) if (store.current(key) === undefined) return false;
  const read = new Set(log.iterators.map((it) => it.shardId));
  for (const shard of log.shards) {
    const checkpoint = store.current(shard.shardId)?.checkpoint?.S;
    if (checkpoint === undefined || checkpoint === 'SHARD_END') continue;
    if (shard.closedAt !== undefined || !read.has(shard.shardId)) return false;
  }
  return true;
}
