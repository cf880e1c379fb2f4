import type { ProcessorVariant } from '../checker/RunLog.js';
import type { WorkerPlan } from '../workers/SimWorker.js';
import type { ProcessorFaultRates } from './FaultState.js';

/** One scheduled fault or lifecycle step. Workers are named by slot (`w1`…); the action hits its live incarnation. */
export type Action = { readonly at: number } & (
  | { readonly kind: 'start'; readonly slot: string }
  | { readonly kind: 'stop'; readonly slot: string }
  | { readonly kind: 'kill'; readonly slot: string }
  | { readonly kind: 'pause'; readonly slot: string; readonly ms: number }
  | { readonly kind: 'partition'; readonly slot: string; readonly ms: number; readonly mode: 'fail' | 'hang' }
  | { readonly kind: 'hangNext'; readonly slot: string }
  | { readonly kind: 'split'; readonly pick: number }
  | { readonly kind: 'merge'; readonly pick: number }
  | { readonly kind: 'kinesisThrottle'; readonly ms: number; readonly p: number; readonly ops: readonly string[] }
  | { readonly kind: 'ddbThrottle'; readonly ms: number; readonly p: number }
  | { readonly kind: 'ddbAmbiguous'; readonly ms: number; readonly p: number }
  | { readonly kind: 'expireIterators'; readonly pick: number }
  | { readonly kind: 'wallStep'; readonly deltaMs: number }
  | { readonly kind: 'processorTrouble'; readonly ms: number; readonly rates: ProcessorFaultRates }
);

export type ActionKind = Action['kind'];

/** The slot's settings: a restarted worker runs the same code and options under a new id and clock. */
export type SlotPlan = Omit<WorkerPlan, 'id' | 'skew'>;

/** Everything a run does, derived from its seed alone. */
export interface Scenario {
  readonly name: string;
  readonly seed: number;
  readonly initialPosition: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  /** AT_TIMESTAMP: the timestamp, in true time. */
  readonly atTimestamp: number | undefined;
  readonly shardCount: number;
  readonly failoverTimeMs: number;
  /** Largest |drift| a worker clock may get. */
  readonly maxDrift: number;
  /** Faults happen in [0, faultPhaseMs); puts stop then; the quiet period follows. */
  readonly faultPhaseMs: number;
  /** The quiet period ends when the fleet has caught up, or after this long at most. */
  readonly quietMaxMs: number;
  /** Bound asserted on stop() of a worker without `stopTimeoutMs` (true time). */
  readonly stopBoundMs: number;
  readonly slots: ReadonlyMap<string, SlotPlan>;
  readonly actions: readonly Action[];
  readonly putsPerSecond: number;
  /** Share of puts sent as KPL aggregates. */
  readonly aggregatedShare: number;
  readonly keyCount: number;
  readonly processorFaults: ProcessorFaultRates;
  /** A latency tail (50 ms – 3 s) on some calls during the fault phase. */
  readonly slowCalls: boolean;
  /** Bound of eventually consistent reads. */
  readonly maxStalenessMs: number;
}

export type { ProcessorVariant };
