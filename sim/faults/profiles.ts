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
