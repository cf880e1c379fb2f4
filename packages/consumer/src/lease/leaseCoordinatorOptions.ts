import { type Clock, InvalidOptionError, type Logger, silentLogger, systemClock } from '@kinesis-kit/commons';
import type { WorkerLoadSample } from '../balancing/workerLoad.js';
import type { ShardSource } from '../shardSync/ShardSource.js';
import type { LeaseTable } from './LeaseTable.js';

export interface LeaseCoordinatorOptions {
  leaseTable: LeaseTable;
  /** Unique per running worker (two processes must never share one). */
  workerId: string;
  /**
   * Discovers shards and creates their leases: a `ShardSyncer` (one stream) or a `MultiStreamSync` (several); without
   * it, only existing leases are coordinated.
   */
  shardSyncer?: ShardSource;
  /**
   * A lease whose counter has not moved for this long may be taken by another worker; a worker whose renewals
   * fail for this long stops processing. The KCL's `failoverTimeMillis`. @default 10_000
   */
  failoverTimeMs?: number;
  /** Heartbeat period of held leases. @default failoverTimeMs / 2 (failed renewals retry every failoverTimeMs / 20) */
  renewalIntervalMs?: number;
  /**
   * Lower bound of the fleet-wide scan period (the fast-takeover end). The fleet as a whole scans the table once
   * per period P, adapted to the table so that renewals + scans cost no more DynamoDB requests than the Java KCL
   * 2.x would (see docs/leases.md, "Cost"), within [takingIntervalMs, maxTakingIntervalMs]; each worker scans every
   * P × live workers on a staggered phase, and also exactly when a lease it watches could have expired.
   * @default 1_000
   */
  takingIntervalMs?: number;
  /**
   * Upper bound of the adaptive fleet-wide scan period: a crashed worker's first lease is taken within about
   * `failoverTimeMs` + this. Must be ≥ `takingIntervalMs`. @default max(2_000, takingIntervalMs)
   */
  maxTakingIntervalMs?: number;
  /**
   * On `prepareHandoff()` (the consumer's `stop()`), name a successor for each held lease and hand it over once the
   * successor listens, instead of only releasing it. @default true
   */
  gracefulHandoff?: boolean;
  /** How often both sides of a graceful handoff read the leases involved (bounded in time). @default 100 */
  handoffPollIntervalMs?: number;
  /** @default Infinity */
  maxLeasesForWorker?: number;
  /**
   * The most balancing moves a worker asks for in one taking cycle (each a graceful handoff from a busier worker).
   * @default Infinity (its whole share at once; the KCL 2.x default is 1)
   */
  maxLeasesToStealAtOneTime?: number;
  /**
   * The band around the mean load (or the mean lease count) inside which a fleet counts as balanced, as a fraction:
   * 0.1 = every worker within ±10 % of the mean. Inside it nothing moves. (KCL 3 `reBalanceThresholdPercentage` 10)
   * @default 0.1
   */
  balanceThreshold?: number;
  /**
   * Share of a worker's load above the mean that one balancing plan moves away, 0 < d ≤ 1 (KCL 3
   * `dampeningPercentage`). Loads here are per-lease measurements that move with the lease, so a plan is exact and
   * the default moves it all (see docs/leases.md, "Balancing"). @default 1
   */
  balanceDamping?: number;
  /**
   * How often a worker writes its own item (load: event-loop utilization, CPU, throughput) while it holds leases;
   * a worker holding none writes it every `renewalIntervalMs` so the fleet counts it. @default 30_000
   */
  workerMetricsIntervalMs?: number;
  /**
   * Measures this worker's load for its item. @default event-loop utilization and process CPU, over the interval
   */
  workerLoadSampler?: () => WorkerLoadSample;
  /** Period of shard discovery, run by one worker (the lowest live worker id). @default 60_000 */
  shardSyncIntervalMs?: number;
  /** @default silentLogger() */
  logger?: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
}

export interface ResolvedLeaseCoordinatorOptions
  extends Readonly<Required<Omit<LeaseCoordinatorOptions, 'shardSyncer' | 'workerLoadSampler'>>> {
  readonly shardSyncer: ShardSource | undefined;
  readonly workerLoadSampler: (() => WorkerLoadSample) | undefined;
}

export const DEFAULT_LEASE_COORDINATOR_OPTIONS = Object.freeze({
  failoverTimeMs: 10_000,
  takingIntervalMs: 1_000,
  gracefulHandoff: true,
  handoffPollIntervalMs: 100,
  maxLeasesForWorker: Number.POSITIVE_INFINITY,
  maxLeasesToStealAtOneTime: Number.POSITIVE_INFINITY,
  balanceThreshold: 0.1,
  balanceDamping: 1,
  workerMetricsIntervalMs: 30_000,
  shardSyncIntervalMs: 60_000,
});

export function resolveLeaseCoordinatorOptions(options: LeaseCoordinatorOptions): ResolvedLeaseCoordinatorOptions {
  const failoverTimeMs = options.failoverTimeMs ?? DEFAULT_LEASE_COORDINATOR_OPTIONS.failoverTimeMs;
  positiveInteger('failoverTimeMs', failoverTimeMs, 100);
  const renewalIntervalMs = options.renewalIntervalMs ?? Math.floor(failoverTimeMs / 2);
  positiveInteger('renewalIntervalMs', renewalIntervalMs, 1);
  if (renewalIntervalMs >= failoverTimeMs) {
    throw new InvalidOptionError(
      'renewalIntervalMs',
      `less than failoverTimeMs (${failoverTimeMs})`,
      renewalIntervalMs,
    );
  }
  const takingIntervalMs = options.takingIntervalMs ?? DEFAULT_LEASE_COORDINATOR_OPTIONS.takingIntervalMs;
  positiveInteger('takingIntervalMs', takingIntervalMs, 10);
  const maxTakingIntervalMs = options.maxTakingIntervalMs ?? Math.max(2_000, takingIntervalMs);
  positiveInteger('maxTakingIntervalMs', maxTakingIntervalMs, takingIntervalMs);
  const resolved: ResolvedLeaseCoordinatorOptions = {
    ...DEFAULT_LEASE_COORDINATOR_OPTIONS,
    logger: options.logger ?? silentLogger(),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    ...options,
    shardSyncer: options.shardSyncer,
    workerLoadSampler: options.workerLoadSampler,
    failoverTimeMs,
    renewalIntervalMs,
    takingIntervalMs,
    maxTakingIntervalMs,
  };
  if (typeof resolved.workerId !== 'string' || resolved.workerId.length === 0) {
    throw new InvalidOptionError('workerId', 'a non-empty string', resolved.workerId);
  }
  if (typeof resolved.leaseTable?.listLeases !== 'function') {
    throw new InvalidOptionError('leaseTable', 'a LeaseTable', resolved.leaseTable);
  }
  positiveInteger('handoffPollIntervalMs', resolved.handoffPollIntervalMs, 10);
  if (typeof resolved.gracefulHandoff !== 'boolean') {
    throw new InvalidOptionError('gracefulHandoff', 'a boolean', resolved.gracefulHandoff);
  }
  if (resolved.maxLeasesToStealAtOneTime !== Number.POSITIVE_INFINITY)
    positiveInteger('maxLeasesToStealAtOneTime', resolved.maxLeasesToStealAtOneTime, 0);
  const { balanceThreshold, balanceDamping } = resolved;
  if (typeof balanceThreshold !== 'number' || !(balanceThreshold >= 0 && balanceThreshold < 1))
    throw new InvalidOptionError('balanceThreshold', 'a number from 0 to below 1', balanceThreshold);
  if (typeof balanceDamping !== 'number' || !(balanceDamping > 0 && balanceDamping <= 1))
    throw new InvalidOptionError('balanceDamping', 'a number above 0, at most 1', balanceDamping);
  positiveInteger('workerMetricsIntervalMs', resolved.workerMetricsIntervalMs, 100);
  positiveInteger('shardSyncIntervalMs', resolved.shardSyncIntervalMs, 10);
  if (
    resolved.maxLeasesForWorker !== Number.POSITIVE_INFINITY &&
    !(Number.isInteger(resolved.maxLeasesForWorker) && resolved.maxLeasesForWorker >= 1)
  ) {
    throw new InvalidOptionError('maxLeasesForWorker', 'a positive integer or Infinity', resolved.maxLeasesForWorker);
  }
  return Object.freeze(resolved);
}

function positiveInteger(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(name, `an integer ≥ ${min}`, value);
  }
}
