import {
  type Clock,
  InvalidOptionError,
  type Logger,
  rejectUnknownOptions,
  silentLogger,
  systemClock,
} from '@kinesis-kit/commons';
import type { WorkerLoadSample } from '../balancing/workerLoad.js';
import type { ShardSource } from '../shardSync/ShardSource.js';
import type { LeaseTable } from './LeaseTable.js';

/**
 * The lease layer's tuning: periods, balancing and graceful handoff. Every field has a default. A
 * `KinesisConsumer` takes these as its `leaseOptions`; a {@link LeaseCoordinatorOptions} has them too.
 */
export interface LeaseOptions {
  /** Heartbeat period of held leases. @default failoverTimeMs / 2 (failed renewals retry every failoverTimeMs / 20) */
  renewalIntervalMs?: number | undefined;
  /**
   * Lower bound of the fleet-wide scan period (the fast-takeover end). The fleet as a whole scans the table once
   * per period P, adapted to the table so that renewals + scans cost no more DynamoDB requests than the Java KCL
   * 2.x would (see docs/leases.md, "Cost"), within [takingIntervalMs, maxTakingIntervalMs]; each worker scans every
   * P × live workers on a staggered phase, and also exactly when a lease it watches could have expired.
   * @default 1_000
   */
  takingIntervalMs?: number | undefined;
  /**
   * Upper bound of the adaptive fleet-wide scan period: a crashed worker's first lease is taken within about
   * `failoverTimeMs` + this. Must be ≥ `takingIntervalMs`. @default max(2_000, takingIntervalMs)
   */
  maxTakingIntervalMs?: number | undefined;
  /**
   * On `prepareHandoff()` (the consumer's `stop()`), name a successor for each held lease and hand it over once the
   * successor listens, instead of only releasing it. @default true
   */
  gracefulHandoff?: boolean | undefined;
  /** How often both sides of a graceful handoff read the leases involved (bounded in time). @default 100 */
  handoffPollIntervalMs?: number | undefined;
  /** @default Infinity */
  maxLeasesForWorker?: number | undefined;
  /**
   * The most balancing moves a worker asks for in one taking cycle (each a graceful handoff from a busier worker).
   * @default Infinity (its whole share at once; the KCL 2.x default is 1)
   */
  maxLeasesToStealAtOneTime?: number | undefined;
  /**
   * The band around the mean load (or the mean lease count) inside which a fleet counts as balanced, as a fraction:
   * 0.1 = every worker within ±10 % of the mean. Inside it nothing moves. (KCL 3 `reBalanceThresholdPercentage` 10)
   * @default 0.1
   */
  balanceThreshold?: number | undefined;
  /**
   * Share of a worker's load above the mean that one balancing plan moves away, 0 < d ≤ 1 (KCL 3
   * `dampeningPercentage`). Loads here are per-lease measurements that move with the lease, so a plan is exact and
   * the default moves it all (see docs/leases.md, "Balancing"). @default 1
   */
  balanceDamping?: number | undefined;
  /**
   * How often a worker writes its own item (load: event-loop utilization, CPU, throughput) while it holds leases;
   * a worker holding none writes it every `renewalIntervalMs` so the fleet counts it. @default 30_000
   */
  workerMetricsIntervalMs?: number | undefined;
  /**
   * Measures this worker's load for its item (a fixed report makes a test or simulation deterministic).
   * @default event-loop utilization and process CPU, over the interval
   */
  workerLoadSampler?: (() => WorkerLoadSample) | undefined;
  /** Period of shard discovery, run by one worker (the lowest live worker id). @default 60_000 */
  shardSyncIntervalMs?: number | undefined;
}

/** Options of a {@link LeaseCoordinator}: the table, this worker, and the {@link LeaseOptions}. */
export interface LeaseCoordinatorOptions extends LeaseOptions {
  leaseTable: LeaseTable;
  /** Unique per running worker (two processes must never share one). */
  workerId: string;
  /**
   * Discovers shards and creates their leases: a `ShardSyncer` (one stream) or a `MultiStreamSync` (several); without
   * it, only existing leases are coordinated.
   */
  shardSyncer?: ShardSource | undefined;
  /**
   * A lease whose counter has not moved for this long may be taken by another worker; a worker whose renewals
   * fail for this long stops processing. The KCL's `failoverTimeMillis`. @default 10_000
   */
  failoverTimeMs?: number | undefined;
  /** @default silentLogger() */
  logger?: Logger | undefined;
  /** @default systemClock */
  clock?: Clock | undefined;
  /** @default Math.random */
  random?: (() => number) | undefined;
}

/** {@link LeaseOptions} with every default filled in. */
export type ResolvedLeaseOptions = Readonly<
  { [K in Exclude<keyof LeaseOptions, 'workerLoadSampler'>]-?: Exclude<LeaseOptions[K], undefined> } & {
    /** Undefined: the built-in sampler. */
    workerLoadSampler: (() => WorkerLoadSample) | undefined;
  }
>;

export interface ResolvedLeaseCoordinatorOptions extends ResolvedLeaseOptions {
  readonly leaseTable: LeaseTable;
  readonly workerId: string;
  readonly shardSyncer: ShardSource | undefined;
  readonly failoverTimeMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: () => number;
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

const LEASE_OPTION_KEYS = {
  renewalIntervalMs: true,
  takingIntervalMs: true,
  maxTakingIntervalMs: true,
  gracefulHandoff: true,
  handoffPollIntervalMs: true,
  maxLeasesForWorker: true,
  maxLeasesToStealAtOneTime: true,
  balanceThreshold: true,
  balanceDamping: true,
  workerMetricsIntervalMs: true,
  workerLoadSampler: true,
  shardSyncIntervalMs: true,
} satisfies Record<keyof LeaseOptions, true>;

const COORDINATOR_OPTION_KEYS = Object.keys({
  ...LEASE_OPTION_KEYS,
  leaseTable: true,
  workerId: true,
  shardSyncer: true,
  failoverTimeMs: true,
  logger: true,
  clock: true,
  random: true,
} satisfies Record<keyof LeaseCoordinatorOptions, true>);

/**
 * Validates the lease layer's tuning and fills in its defaults; `failoverTimeMs` (validated by the caller) is what
 * the renewal interval derives from. `path` prefixes the option names in errors (`leaseOptions.takingIntervalMs`).
 */
export function resolveLeaseOptions(
  options: LeaseOptions,
  failoverTimeMs: number,
  path?: string,
): ResolvedLeaseOptions {
  rejectUnknownOptions(options, Object.keys(LEASE_OPTION_KEYS), path);
  const name = (key: keyof LeaseOptions) => (path === undefined ? key : `${path}.${key}`);
  const d = DEFAULT_LEASE_COORDINATOR_OPTIONS;
  const renewalIntervalMs = options.renewalIntervalMs ?? Math.floor(failoverTimeMs / 2);
  positiveInteger(name('renewalIntervalMs'), renewalIntervalMs, 1);
  if (renewalIntervalMs >= failoverTimeMs) {
    throw new InvalidOptionError(
      name('renewalIntervalMs'),
      `less than failoverTimeMs (${failoverTimeMs})`,
      renewalIntervalMs,
    );
  }
  const takingIntervalMs = options.takingIntervalMs ?? d.takingIntervalMs;
  positiveInteger(name('takingIntervalMs'), takingIntervalMs, 10);
  const maxTakingIntervalMs = options.maxTakingIntervalMs ?? Math.max(2_000, takingIntervalMs);
  positiveInteger(name('maxTakingIntervalMs'), maxTakingIntervalMs, takingIntervalMs);
  const handoffPollIntervalMs = options.handoffPollIntervalMs ?? d.handoffPollIntervalMs;
  positiveInteger(name('handoffPollIntervalMs'), handoffPollIntervalMs, 10);
  const gracefulHandoff = options.gracefulHandoff ?? d.gracefulHandoff;
  if (typeof gracefulHandoff !== 'boolean') {
    throw new InvalidOptionError(name('gracefulHandoff'), 'a boolean', gracefulHandoff);
  }
  const maxLeasesToStealAtOneTime = options.maxLeasesToStealAtOneTime ?? d.maxLeasesToStealAtOneTime;
  if (maxLeasesToStealAtOneTime !== Number.POSITIVE_INFINITY) {
    positiveInteger(name('maxLeasesToStealAtOneTime'), maxLeasesToStealAtOneTime, 0);
  }
  const balanceThreshold = options.balanceThreshold ?? d.balanceThreshold;
  if (typeof balanceThreshold !== 'number' || !(balanceThreshold >= 0 && balanceThreshold < 1)) {
    throw new InvalidOptionError(name('balanceThreshold'), 'a number from 0 to below 1', balanceThreshold);
  }
  const balanceDamping = options.balanceDamping ?? d.balanceDamping;
  if (typeof balanceDamping !== 'number' || !(balanceDamping > 0 && balanceDamping <= 1)) {
    throw new InvalidOptionError(name('balanceDamping'), 'a number above 0, at most 1', balanceDamping);
  }
  const workerMetricsIntervalMs = options.workerMetricsIntervalMs ?? d.workerMetricsIntervalMs;
  positiveInteger(name('workerMetricsIntervalMs'), workerMetricsIntervalMs, 100);
  const { workerLoadSampler } = options;
  if (workerLoadSampler !== undefined && typeof workerLoadSampler !== 'function') {
    throw new InvalidOptionError(name('workerLoadSampler'), 'a function', workerLoadSampler);
  }
  const shardSyncIntervalMs = options.shardSyncIntervalMs ?? d.shardSyncIntervalMs;
  positiveInteger(name('shardSyncIntervalMs'), shardSyncIntervalMs, 10);
  const maxLeasesForWorker = options.maxLeasesForWorker ?? d.maxLeasesForWorker;
  if (
    maxLeasesForWorker !== Number.POSITIVE_INFINITY &&
    !(Number.isInteger(maxLeasesForWorker) && maxLeasesForWorker >= 1)
  ) {
    throw new InvalidOptionError(name('maxLeasesForWorker'), 'a positive integer or Infinity', maxLeasesForWorker);
  }
  return Object.freeze({
    renewalIntervalMs,
    takingIntervalMs,
    maxTakingIntervalMs,
    gracefulHandoff,
    handoffPollIntervalMs,
    maxLeasesForWorker,
    maxLeasesToStealAtOneTime,
    balanceThreshold,
    balanceDamping,
    workerMetricsIntervalMs,
    workerLoadSampler,
    shardSyncIntervalMs,
  });
}

export function resolveLeaseCoordinatorOptions(options: LeaseCoordinatorOptions): ResolvedLeaseCoordinatorOptions {
  rejectUnknownOptions(options, COORDINATOR_OPTION_KEYS);
  const failoverTimeMs = options.failoverTimeMs ?? DEFAULT_LEASE_COORDINATOR_OPTIONS.failoverTimeMs;
  positiveInteger('failoverTimeMs', failoverTimeMs, 100);
  const { leaseTable, workerId, shardSyncer, failoverTimeMs: _f, logger, clock, random, ...lease } = options;
  if (typeof workerId !== 'string' || workerId.length === 0) {
    throw new InvalidOptionError('workerId', 'a non-empty string', workerId);
  }
  if (typeof leaseTable?.listLeases !== 'function') {
    throw new InvalidOptionError('leaseTable', 'a LeaseTable', leaseTable);
  }
  return Object.freeze({
    ...resolveLeaseOptions(lease, failoverTimeMs),
    leaseTable,
    workerId,
    shardSyncer,
    failoverTimeMs,
    logger: logger ?? silentLogger(),
    clock: clock ?? systemClock,
    random: random ?? Math.random,
  });
}

function positiveInteger(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(name, `an integer ≥ ${min}`, value);
  }
}
