import type { ProcessorVariant } from '../checker/RunLog.js';
import type { ActionKind } from './Scenario.js';

type Weights<T> = readonly (readonly [T, number])[];

/** A family of scenarios: which faults, how often, against which fleets. A seed draws one member. */
export interface ScenarioProfile {
  readonly name: string;
  readonly description: string;
  readonly initialPositions: Weights<'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP'>;
  readonly workers: readonly [number, number];
  readonly shards: readonly [number, number];
  readonly variants: Weights<ProcessorVariant>;
  /** Share of worker slots with `onProcessorError: 'skip'`. */
  readonly skipShare: number;
  readonly maxConcurrentBatches: Weights<number>;
  /** Share of slots with a finite `stopTimeoutMs`. */
  readonly stopTimeoutShare: number;
  /** Whether some calls are slow during the fault phase (a latency tail of 50 ms – 3 s). */
  readonly slowCalls: boolean;
  /** Expected count of each fault kind per fault phase. */
  readonly faults: Partial<Record<ActionKind, number>>;
  /** Baseline processor trouble during the fault phase. */
  readonly throwP: number;
  readonly slowP: number;
  readonly verySlowP: number;
  readonly factoryThrowP: number;
  /**
   * Several streams through one lease table: how many (each with `shards` shards). One starts untracked and is added
   * at runtime; one is removed and added back (its leases kept, or deleted after a while).
   */
  readonly streams?: readonly [number, number];
  /** Share of puts routed to one hot shard (skewed throughput: load-aware balancing moves leases). */
  readonly hotShare?: number;
}

const ALL_VARIANTS: Weights<ProcessorVariant> = [
  ['eachRecord', 2],
  ['eachBatch', 2],
  ['kclPerRecord', 1],
  ['prepareThenCommit', 1],
  ['retryThrottledCheckpoint', 1],
];
const POSITIONS: Weights<'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP'> = [
  ['LATEST', 2],
  ['TRIM_HORIZON', 2],
  ['AT_TIMESTAMP', 1],
];
const quiet = { throwP: 0, slowP: 0, verySlowP: 0, factoryThrowP: 0 };

export const PROFILES: readonly ScenarioProfile[] = [
  {
    name: 'calm',
    description: 'no faults: a fleet starts, reads, stops (a baseline)',
    initialPositions: POSITIONS,
    workers: [1, 3],
    shards: [1, 3],
    variants: ALL_VARIANTS,
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0,
    slowCalls: false,
    faults: {},
    ...quiet,
  },
  {
    name: 'latest-throttle',
    description: 'LATEST start under GetRecords/GetShardIterator throttling bursts while records arrive',
    initialPositions: [['LATEST', 1]],
    workers: [1, 2],
    shards: [1, 3],
    variants: ALL_VARIANTS,
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0,
    slowCalls: true,
    faults: { kinesisThrottle: 2.5, expireIterators: 0.5, kill: 0.3 },
    ...quiet,
  },
  {
    name: 'lease-churn',
    description: 'GC pauses, DynamoDB partitions, kills, late joiners and slow batches behind maxConcurrentBatches',
    initialPositions: POSITIONS,
    workers: [1, 3],
    shards: [2, 4],
    variants: ALL_VARIANTS,
    skipShare: 0,
    maxConcurrentBatches: [
      [1, 2],
      [2, 1],
      [64, 1],
    ],
    stopTimeoutShare: 0.3,
    slowCalls: true,
    faults: { pause: 1.5, partition: 1.2, kill: 0.5, start: 1, wallStep: 1, processorTrouble: 0.7 },
    throwP: 0.01,
    slowP: 0.1,
    verySlowP: 0.06,
    factoryThrowP: 0,
  },
  {
    // Leases lost and won back while a batch of the lost session is still inside its processor: what lease sessions
    // fence (a checkpoint of the old session must fail, not rewind the new one's). Balancing moves are graceful
    // handoffs that wait for the batch in flight, so only expiry — a partition or a pause past failoverTimeMs —
    // takes a lease from under a running batch, and with two workers the plan often hands the same lease back.
    name: 'lease-flap',
    description: 'two workers; partitions and pauses past failoverTimeMs during very slow, checkpointing batches',
    initialPositions: POSITIONS,
    workers: [2, 2],
    shards: [1, 2],
    variants: [
      ['eachRecord', 1],
      ['eachBatch', 1],
      ['kclPerRecord', 2],
      ['prepareThenCommit', 1],
      ['retryThrottledCheckpoint', 1],
    ],
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0,
    slowCalls: true,
    faults: { partition: 2.5, pause: 1.5, processorTrouble: 1 },
    throwP: 0,
    slowP: 0.1,
    verySlowP: 0.15,
    factoryThrowP: 0,
  },
  {
    name: 'checkpoint-faults',
    description: 'throttled and ambiguous DynamoDB writes under checkpointing processors, graceful stops',
    initialPositions: POSITIONS,
    workers: [1, 3],
    shards: [1, 3],
    variants: [
      ['eachRecord', 1],
      ['eachBatch', 1],
      ['kclPerRecord', 1],
      ['prepareThenCommit', 2],
      ['retryThrottledCheckpoint', 2],
    ],
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0.2,
    slowCalls: true,
    faults: { ddbThrottle: 1.5, ddbAmbiguous: 1.5, stop: 0.8, start: 0.5 },
    throwP: 0.01,
    slowP: 0.05,
    verySlowP: 0,
    factoryThrowP: 0,
  },
  {
    name: 'processor-faults',
    description: 'processors that throw (batches, records, factories, initialize), with retry and skip policies',
    initialPositions: POSITIONS,
    workers: [1, 2],
    shards: [1, 3],
    variants: ALL_VARIANTS,
    skipShare: 0.4,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0,
    slowCalls: true,
    faults: { processorTrouble: 1.5, stop: 0.3 },
    throwP: 0.05,
    slowP: 0.05,
    verySlowP: 0,
    factoryThrowP: 0.05,
  },
  {
    name: 'reshard',
    description: 'splits and merges while workers come and go',
    initialPositions: POSITIONS,
    workers: [1, 3],
    shards: [1, 3],
    variants: ALL_VARIANTS,
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0,
    slowCalls: true,
    faults: { split: 1.5, merge: 0.8, kill: 0.3, stop: 0.3, start: 0.3 },
    throwP: 0.005,
    slowP: 0.05,
    verySlowP: 0,
    factoryThrowP: 0,
  },
  {
    name: 'stop-and-hang',
    description: 'graceful stops during slow batches, and DynamoDB calls that never answer',
    initialPositions: POSITIONS,
    workers: [2, 3],
    shards: [1, 3],
    variants: ALL_VARIANTS,
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0.5,
    slowCalls: true,
    faults: { stop: 1.2, start: 0.6, hangNext: 0.6, partition: 0.4 },
    throwP: 0,
    slowP: 0.1,
    verySlowP: 0.05,
    factoryThrowP: 0,
  },
  {
    name: 'multi-stream',
    description:
      'several streams through one lease table; one added, one removed and added back at runtime; kills, stops, a split',
    initialPositions: [
      ['TRIM_HORIZON', 2],
      ['LATEST', 1],
    ],
    workers: [1, 3],
    shards: [1, 2],
    variants: ALL_VARIANTS,
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0.2,
    slowCalls: true,
    faults: { kill: 0.4, stop: 0.5, start: 0.5, split: 0.4, ddbThrottle: 0.4, pause: 0.3 },
    throwP: 0.005,
    slowP: 0.03,
    verySlowP: 0,
    factoryThrowP: 0,
    streams: [2, 3],
  },
  {
    name: 'skewed-load',
    description:
      'most records on one shard: balancing by load moves leases (graceful handoffs) while workers come and go',
    initialPositions: POSITIONS,
    workers: [2, 4],
    shards: [3, 5],
    variants: ALL_VARIANTS,
    skipShare: 0,
    maxConcurrentBatches: [[64, 1]],
    stopTimeoutShare: 0.2,
    slowCalls: true,
    faults: { start: 1, stop: 0.5, kill: 0.3, pause: 0.4, ddbAmbiguous: 0.3 },
    throwP: 0.005,
    slowP: 0.05,
    verySlowP: 0,
    factoryThrowP: 0,
    hotShare: 0.75,
  },
  {
    name: 'mixed',
    description: 'every fault kind at a lower rate',
    initialPositions: POSITIONS,
    workers: [1, 3],
    shards: [1, 3],
    variants: ALL_VARIANTS,
    skipShare: 0.15,
    maxConcurrentBatches: [
      [64, 3],
      [1, 1],
    ],
    stopTimeoutShare: 0.2,
    slowCalls: true,
    faults: {
      kill: 0.4,
      stop: 0.4,
      start: 0.5,
      pause: 0.6,
      partition: 0.5,
      hangNext: 0.15,
      split: 0.5,
      merge: 0.3,
      kinesisThrottle: 0.8,
      ddbThrottle: 0.6,
      ddbAmbiguous: 0.6,
      expireIterators: 0.4,
      wallStep: 0.5,
      processorTrouble: 0.5,
    },
    throwP: 0.01,
    slowP: 0.05,
    verySlowP: 0.01,
    factoryThrowP: 0.01,
  },
];

export function profileNamed(name: string): ScenarioProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}
