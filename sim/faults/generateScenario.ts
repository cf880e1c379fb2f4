import { DEFAULT_KINESIS_CONSUMER_OPTIONS } from '@kinesis-kit/consumer';
import type { ProcessorVariant } from '../checker/RunLog.js';
import { Random } from '../world/Random.js';
import type { ProcessorFaultRates } from './FaultState.js';
import { PROFILES, profileNamed, type ScenarioProfile } from './profiles.js';
import type { Action, Scenario, SlotPlan } from './Scenario.js';

/** What a caller may pin instead of letting the seed choose. */
export interface ScenarioOverrides {
  readonly scenario?: string | undefined;
  readonly workers?: number | undefined;
  readonly shards?: number | undefined;
  readonly faultPhaseMs?: number | undefined;
}

const FAULT_PHASE_MS = 10_000;
/** Share of worker slots reading through enhanced fan-out (SubscribeToShard) rather than polling. */
const FAN_OUT_SHARE = 0.25;

/** The scenario of a seed: the profile (unless pinned), the fleet, and every timed action. Pure. */
export function generateScenario(seed: number, overrides: ScenarioOverrides = {}): Scenario {
  const rng = new Random(seed).fork('scenario');
  const profile = pickProfile(rng, overrides.scenario);
  const faultPhaseMs = overrides.faultPhaseMs ?? FAULT_PHASE_MS;
  const initialPosition = rng.weighted(profile.initialPositions);
  const failoverTimeMs = rng.weighted([
    [1_000, 1],
    [2_000, 2],
    [3_000, 2],
  ] as const);
  const shardCount = overrides.shards ?? rng.int(profile.shards[0], profile.shards[1]);
  const workerCount = overrides.workers ?? rng.int(profile.workers[0], profile.workers[1]);
  const slots = new Map<string, SlotPlan>();
  const actions: Action[] = [];
  const newSlot = (): string => {
    const slot = `w${slots.size + 1}`;
    slots.set(slot, slotPlan(rng, profile));
    return slot;
  };
  for (let i = 0; i < workerCount; i++)
    actions.push({ at: i === 0 ? rng.range(0, 300) : rng.range(0, 1_500), kind: 'start', slot: newSlot() });

  const when = () => rng.range(800, faultPhaseMs - 1_000);
  const anySlot = () => rng.pick([...slots.keys()]);
  const restartLater = (slot: string, at: number) => {
    const restartAt = at + rng.range(1_000, 5_000);
    if (rng.chance(0.7) && restartAt < faultPhaseMs) actions.push({ at: restartAt, kind: 'start', slot });
  };
  for (const [kind, expected] of Object.entries(profile.faults) as [Action['kind'], number][]) {
    const count = Math.floor(expected) + (rng.chance(expected - Math.floor(expected)) ? 1 : 0);
    for (let i = 0; i < count; i++) {
      const at = when();
      switch (kind) {
        case 'start':
          actions.push({ at, kind, slot: newSlot() }); // a late joiner
          break;
        case 'stop':
        case 'kill': {
          const slot = anySlot();
          actions.push({ at, kind, slot });
          restartLater(slot, at);
          break;
        }
        case 'pause':
          actions.push({ at, kind, slot: anySlot(), ms: rng.range(300, 3 * failoverTimeMs) });
          break;
        case 'partition':
          actions.push({
            at,
            kind,
            slot: anySlot(),
            ms: rng.range(500, 3 * failoverTimeMs),
            mode: rng.pick(['fail', 'hang'] as const),
          });
          break;
        case 'hangNext':
          actions.push({ at, kind, slot: anySlot() });
          break;
        case 'split':
        case 'merge':
        case 'expireIterators':
          actions.push({ at, kind, pick: rng.next() });
          break;
        case 'kinesisThrottle':
          actions.push({ at, kind, ms: rng.range(500, 4_000), p: rng.range(0.5, 1), ops: throttledOps(rng) });
          break;
        case 'ddbThrottle':
          actions.push({ at, kind, ms: rng.range(300, 3_000), p: rng.range(0.3, 0.9) });
          break;
        case 'ddbAmbiguous':
          actions.push({ at, kind, ms: rng.range(500, 4_000), p: rng.range(0.2, 0.6) });
          break;
        case 'wallStep':
          actions.push({ at, kind, deltaMs: (rng.chance(0.5) ? -1 : 1) * rng.range(1_000, 300_000) });
          break;
        case 'processorTrouble':
          actions.push({ at, kind, ms: rng.range(1_000, 5_000), rates: troubleRates(rng, profile) });
          break;
      }
    }
  }
  if (profile.name === 'latest-throttle') {
    // The fetcher's first reads, before it has fetched any record: the window the LATEST restart rule is about.
    actions.push({
      at: rng.range(0, 1_500),
      kind: 'kinesisThrottle',
      ms: rng.range(800, 3_000),
      p: 1,
      ops: ['GetRecords', 'SubscribeToShard'],
    });
  }
  actions.sort((a, b) => a.at - b.at);
  return {
    name: profile.name,
    seed,
    initialPosition,
    atTimestamp: initialPosition === 'AT_TIMESTAMP' ? rng.range(500, faultPhaseMs / 2) : undefined,
    shardCount,
    failoverTimeMs,
    maxDrift: 0.001,
    faultPhaseMs,
    quietMaxMs: 20_000,
    // A worker without stopTimeoutMs has the consumer's default one.
    stopBoundMs: DEFAULT_KINESIS_CONSUMER_OPTIONS.stopTimeoutMs + 100,
    slots,
    actions,
    putsPerSecond: rng.range(8, 20),
    aggregatedShare: rng.range(0, 0.5),
    keyCount: 12,
    processorFaults: {
      throwP: profile.throwP,
      slowP: profile.slowP,
      verySlowP: profile.verySlowP,
      factoryThrowP: profile.factoryThrowP,
      initializeThrowP: profile.factoryThrowP,
    },
    maxStalenessMs: 1_000,
    slowCalls: profile.slowCalls,
  };
}

function pickProfile(rng: Random, name: string | undefined): ScenarioProfile {
  // Drawn even when pinned, so `--seed N --scenario <its own scenario>` replays exactly the unpinned run.
  const drawn = rng.weighted(PROFILES.map((p) => [p, p.name === 'calm' ? 0.5 : p.name === 'mixed' ? 2 : 1] as const));
  if (name !== undefined) {
    const profile = profileNamed(name);
    if (profile === undefined)
      throw new Error(`unknown scenario ${name}; known: ${PROFILES.map((p) => p.name).join(', ')}`);
    return profile;
  }
  return drawn;
}

function slotPlan(rng: Random, profile: ScenarioProfile): SlotPlan {
  const variant: ProcessorVariant = rng.weighted(profile.variants);
  return {
    variant,
    onProcessorError: rng.chance(profile.skipShare) ? 'skip' : 'retry',
    everyRecords: (variant === 'eachRecord' || variant === 'eachBatch') && rng.chance(0.3) ? rng.int(2, 20) : undefined,
    maxConcurrentBatches: rng.weighted(profile.maxConcurrentBatches),
    stopTimeoutMs: rng.chance(profile.stopTimeoutShare) ? rng.int(2_000, 8_000) : undefined,
    retrieval: rng.chance(FAN_OUT_SHARE) ? 'fanout' : 'polling',
  };
}

function throttledOps(rng: Random): string[] {
  return rng.pick([
    ['GetRecords', 'SubscribeToShard'],
    ['GetShardIterator'],
    ['GetRecords', 'GetShardIterator', 'SubscribeToShard'],
  ]);
}

function troubleRates(rng: Random, profile: ScenarioProfile): ProcessorFaultRates {
  return {
    throwP: rng.range(0.1, 0.4),
    slowP: rng.range(0.1, 0.4),
    verySlowP: profile.verySlowP > 0 ? rng.range(0.05, 0.2) : 0,
    factoryThrowP: profile.factoryThrowP > 0 ? rng.range(0.1, 0.4) : 0,
    initializeThrowP: rng.range(0, 0.3),
  };
}
