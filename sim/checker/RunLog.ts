import type { LeaseWrite } from '../dynamodb/LeaseStore.js';
import type { IteratorServed } from '../kinesis/FakeKinesis.js';
import type { AckedRecord } from '../kinesis/SimProducer.js';
import type { FailedCall } from '../network/SimNetwork.js';

/** How a worker's processor handles records (one of the variants of `workers/processors.ts`). */
export type ProcessorVariant =
  | 'eachRecord'
  | 'eachBatch'
  | 'kclPerRecord'
  | 'prepareThenCommit'
  | 'retryThrottledCheckpoint';

/** One call of the processor with a batch (or, for `eachRecord`, the batch the handler calls belong to). */
export interface Attempt {
  readonly id: number;
  readonly t: number;
  /** Global order of log entries (ties of `t`). */
  readonly o: number;
  readonly worker: string;
  readonly session: string;
  readonly shardId: string;
  /** Deliveries of this attempt, in order. */
  readonly deliveries: Delivery[];
  /** The GetRecords answer the records came from (one answer = one batch of the runner). */
  readonly batch: number;
  /**
   * A new processor call started here (a runner hands a batch over only while it holds the lease). Always true for
   * the batch variants; for `eachRecord` (one attempt per handler call), true on the first record of a batch or of
   * a retry, false for the later records of a batch already inside the processor.
   */
  readonly callStart: boolean;
  /** Set when the processor threw: the delivery it threw on (undefined: before any record). */
  threw: { at: number; delivery: Delivery | undefined } | undefined;
  /** Policy of the worker, to know what a throw means. */
  readonly onProcessorError: 'retry' | 'skip';
  readonly variant: ProcessorVariant;
}

/** A record handed to user code. `ok` once the user code finished it successfully. */
export interface Delivery {
  readonly t: number;
  readonly attempt: Attempt;
  readonly n: number;
  readonly key: string;
  readonly seq: string;
  readonly sub: number;
  ok: boolean;
}

/** One runner of one worker on one shard: from `consumer.lease_gained` to its `DONE`. */
export interface Session {
  readonly id: string;
  readonly worker: string;
  readonly shardId: string;
  readonly startedAt: number;
  readonly startOrder: number;
  endedAt: number | undefined;
  endOrder: number | undefined;
  endReason: string | undefined;
}

export type WorkerEventKind =
  | 'start'
  | 'started'
  | 'start_failed'
  | 'stop'
  | 'stopped'
  | 'kill'
  | 'pause'
  | 'partition'
  | 'lease_lost'
  | 'shard_ended'
  | 'checkpoint'
  | 'processor_error'
  | 'error';

export interface WorkerEvent {
  readonly t: number;
  readonly o: number;
  readonly worker: string;
  readonly kind: WorkerEventKind;
  readonly shardId?: string | undefined;
  readonly detail?: string | undefined;
}

/** A fault the schedule applied (for the trace). */
export interface FaultEvent {
  readonly t: number;
  readonly o: number;
  readonly text: string;
}

export interface StopRecord {
  readonly worker: string;
  readonly requestedAt: number;
  /** How long stop() may take: the worker's `stopTimeoutMs` plus slack, or the run's generous bound. */
  readonly boundMs: number;
  resolvedAt: number | undefined;
  /** The stop was part of the final, fault-free shutdown. */
  readonly final: boolean;
}

/** The shards as the stream holds them at the end. */
export interface ShardSummary {
  readonly shardId: string;
  readonly parents: readonly string[];
  readonly closedAt: number | undefined;
  readonly recordCount: number;
}

/** Everything one run produced: the checker's only input. */
export interface RunLog {
  readonly seed: number;
  readonly scenario: string;
  readonly initialPosition: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  /** AT_TIMESTAMP runs: records stored at or after this true time are owed. */
  readonly atTimestamp: number | undefined;
  readonly failoverTimeMs: number;
  /** Largest |drift| of any worker clock. */
  readonly maxDrift: number;
  /** True time the quiet period ended (every surviving worker fault-free until then) and the final stop began. */
  readonly quietEndAt: number;
  readonly endAt: number;
  readonly acked: readonly AckedRecord[];
  readonly shards: readonly ShardSummary[];
  readonly iterators: readonly IteratorServed[];
  readonly writes: readonly LeaseWrite[];
  readonly attempts: readonly Attempt[];
  readonly sessions: readonly Session[];
  readonly workerEvents: readonly WorkerEvent[];
  readonly faults: readonly FaultEvent[];
  readonly stops: readonly StopRecord[];
  readonly failedCalls: readonly FailedCall[];
  /** Workers alive (started, neither stopped nor killed) when the quiet period ended. */
  readonly liveAtQuietEnd: readonly string[];
  readonly harnessErrors: readonly string[];
}
