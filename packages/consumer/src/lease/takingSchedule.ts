/**
 * The fleet-wide scan period, adapted to the table: spend on scans at most what the Java KCL 2.x would spend in
 * total (renewals + scans, with the same `failoverTimeMs`) minus what our renewals cost, within
 * [takingIntervalMs, maxTakingIntervalMs]. Pure: every worker computes it from its own last scan.
 */
export interface ScanPeriodInput {
  /** Leases still to be processed (not `SHARD_END`): the ones somebody renews. */
  readonly activeLeases: number;
  /** Live workers seen in the last scan (at least 1). */
  readonly liveWorkers: number;
  readonly failoverTimeMs: number;
  readonly renewalIntervalMs: number;
  /** Lower bound of the fleet scan period (fast takeover). */
  readonly takingIntervalMs: number;
  /** Upper bound of the fleet scan period (keeps crash takeover near failoverTimeMs + this). */
  readonly maxTakingIntervalMs: number;
  /** Share of the remaining budget spent on scans (the rest is margin: expiry re-scans, retries). */
  readonly scanBudgetShare: number;
  /** How often each worker writes its own item while it holds leases (presence and load). */
  readonly workerMetricsIntervalMs?: number;
}

/** KCL 2.x defaults relative to failoverTimeMillis (LeaseManagementConfig: epsilon 25 ms). */
const KCL_EPSILON_MS = 25;

/** DynamoDB requests per minute the Java KCL 2.x spends on a table of `leases` and `workers` with these settings. */
export function kcl2RequestsPerMinute(leases: number, workers: number, failoverTimeMs: number): number {
  const renewalMs = failoverTimeMs / 3 - KCL_EPSILON_MS; // LeaseRenewer: failover / 3 - epsilon
  const takingMs = 2 * (failoverTimeMs + KCL_EPSILON_MS); // LeaseTaker: (failover + epsilon) * 2
  return (60_000 / renewalMs) * leases + (60_000 / takingMs) * workers;
}

/** The period (ms) at which the fleet as a whole should scan the table. */
export function fleetScanPeriodMs(input: ScanPeriodInput): number {
  const leases = Math.max(0, input.activeLeases);
  const workers = Math.max(1, input.liveWorkers);
  const budget = kcl2RequestsPerMinute(leases, workers, input.failoverTimeMs);
  const renewals = (60_000 / input.renewalIntervalMs) * leases;
  const reports = input.workerMetricsIntervalMs === undefined ? 0 : (60_000 / input.workerMetricsIntervalMs) * workers;
  const scansPerMinute = (budget - renewals - reports) * input.scanBudgetShare;
  const wanted = scansPerMinute > 0 ? 60_000 / scansPerMinute : Number.POSITIVE_INFINITY;
  const upper = Math.max(input.takingIntervalMs, input.maxTakingIntervalMs);
  // Quantized to 10 ms so workers with slightly different views still agree on their slots.
  return Math.round(Math.min(upper, Math.max(input.takingIntervalMs, wanted)) / 10) * 10;
}

export interface WorkerScanInput extends ScanPeriodInput {
  /** The stopping-free fleet's cap per worker (`maxLeasesForWorker`). */
  readonly maxLeasesForWorker: number;
}

/** The fleet period and this worker's own period (fleet period × live workers, bounded; see docs/leases.md). */
export interface ScanPeriods {
  readonly fleetPeriodMs: number;
  readonly workerPeriodMs: number;
  /**
   * This worker's period while the fleet is not settled (leases to take or move, handoffs in flight): at most
   * 2 × takingIntervalMs, so a plan's moves follow each other quickly. Costs more only while it lasts.
   */
  readonly unsettledPeriodMs: number;
  /** Workers that must each take some of a crashed worker's leases (1: the first scanner can take them all). */
  readonly takersAfterCrash: number;
}

export function scanPeriods(input: WorkerScanInput): ScanPeriods {
  const fleetPeriodMs = fleetScanPeriodMs(input);
  const workers = Math.max(1, input.liveWorkers);
  const takersAfterCrash = takersNeededAfterCrash(input.activeLeases, workers, input.maxLeasesForWorker);
  let workerPeriodMs = fleetPeriodMs * workers;
  if (takersAfterCrash > 1) {
    // Several survivors must each notice the crash by their own scans: bound how late the last one looks.
    const ceiling = input.failoverTimeMs - input.renewalIntervalMs - input.takingIntervalMs;
    workerPeriodMs = Math.min(workerPeriodMs, Math.max(fleetPeriodMs, ceiling));
  }
  const unsettledPeriodMs = Math.min(workerPeriodMs, Math.max(fleetPeriodMs, 2 * input.takingIntervalMs));
  return { fleetPeriodMs, workerPeriodMs, unsettledPeriodMs, takersAfterCrash };
}

/**
 * In a balanced fleet, how many survivors must take some of the leases of a crashed worker holding the most
 * (worst order: the survivors needing the fewest scan first). 1 when one survivor can take them all.
 */
export function takersNeededAfterCrash(leases: number, workers: number, maxLeasesForWorker: number): number {
  if (workers < 2 || leases === 0) return 1;
  const victim = Math.ceil(leases / workers);
  const survivors = workers - 1;
  const rest = leases - victim;
  const target = Math.min(maxLeasesForWorker, Math.ceil(leases / survivors));
  const needs: number[] = [];
  for (let i = 0; i < survivors; i++) {
    const load = Math.floor(rest / survivors) + (i < rest % survivors ? 1 : 0);
    needs.push(Math.max(0, target - load));
  }
  needs.sort((a, b) => a - b);
  let remaining = victim;
  let takers = 0;
  for (const need of needs) {
    if (remaining <= 0) break;
    if (need === 0) continue;
    remaining -= need;
    takers++;
  }
  return Math.max(1, takers);
}

/**
 * Delay until this worker's next scan: every `workerPeriodMs`, at a phase set by its rank among the live workers
 * (so the fleet's scans are spread evenly, about one per fleet period), skipping a slot it just scanned in; and
 * right when a watched lease could expire (`nextExpiryAt`).
 */
export function nextScanDelayMs(input: {
  workerPeriodMs: number;
  liveWorkers: readonly string[];
  workerId: string;
  now: number;
  nextExpiryAt: number | undefined;
}): number {
  const period = input.workerPeriodMs;
  const workers = Math.max(1, input.liveWorkers.length);
  const rank = Math.max(0, input.liveWorkers.indexOf(input.workerId));
  const phase = (rank * period) / workers;
  let delay = period - ((((input.now - phase) % period) + period) % period);
  if (delay < period / 4) delay += period; // just scanned: skip to the next slot
  if (input.nextExpiryAt !== undefined) delay = Math.min(delay, input.nextExpiryAt - input.now + 5);
  return Math.max(10, Math.round(delay));
}
