import type { Lease } from '../lease/Lease.js';

/**
 * Every lease costs something even when idle (a read loop, renewals): it weighs this share of the mean lease
 * throughput on top of its own, so idle leases still spread evenly, and a fleet with no throughput at all is
 * balanced by count.
 */
export const BASE_LOAD_SHARE = 0.1;

/**
 * Each lease's load for balancing: its smoothed `throughputKBps` (written by its owner at every renewal, as the
 * KCL 3 does) plus a base share; a lease nobody measured yet (new, or written by a KCL 2.x) weighs the mean. All
 * zero when no lease has a throughput: balancing by count.
 */
export function leaseLoads(leases: readonly Lease[]): Map<string, number> {
  let sum = 0;
  let known = 0;
  for (const lease of leases) {
    const t = lease.throughputKBps;
    if (t !== undefined && Number.isFinite(t) && t >= 0) {
      sum += t;
      known++;
    }
  }
  const mean = known === 0 ? 0 : sum / known;
  const out = new Map<string, number>();
  for (const lease of leases) {
    const t = lease.throughputKBps;
    const own = t !== undefined && Number.isFinite(t) && t >= 0 ? t : mean;
    out.set(lease.leaseKey, mean > 0 ? own + BASE_LOAD_SHARE * mean : 0);
  }
  return out;
}
