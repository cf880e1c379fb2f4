import type { SyncResult } from '../shardSync/ShardSyncer.js';
import type { LeaseHandoffOutcome } from './giveUpLease.js';
import type { Lease } from './Lease.js';
import type { LeaseLostReason } from './LeaseRenewer.js';
import type { TakeResult } from './LeaseTaker.js';

/** The lease layer's events; payloads are snapshots. */
export interface LeaseCoordinatorEvents {
  /** This worker now holds the lease (taken, stolen or re-taken). */
  lease_gained: Lease;
  /** The lease is no longer held: stop processing the shard before delivering another record. */
  lease_lost: Lease & { readonly reason: LeaseLostReason };
  /** After every taking cycle (instrumentation, tests). */
  taking_cycle: Omit<TakeResult, 'leases' | 'taken'> & { readonly taken: readonly string[] };
  /**
   * Another worker asked for a lease this worker holds (a balancing move): stop its shard (final checkpoint), then
   * call `releaseLease`, which transfers it. Without a listener the lease is transferred at once.
   */
  lease_handoff_requested: { readonly leaseKey: string; readonly to: string };
  /**
   * The lease's stream is no longer read (multi-stream: the tracker dropped it): stop its shard (final checkpoint),
   * then call `releaseLease`. Without a listener the lease is released at once.
   */
  lease_release_requested: { readonly leaseKey: string; readonly reason: 'stream_removed' };
  /** A lease this worker gave up gracefully (`releaseLease`): handed to `to`, or released. */
  lease_handoff: {
    readonly leaseKey: string;
    readonly outcome: LeaseHandoffOutcome;
    readonly to?: string;
    /** Why: this worker is stopping, a balancing move another worker asked for, or a plain release. */
    readonly reason: 'stop' | 'move' | 'release';
  };
  /** After every shard sync. */
  shard_sync: SyncResult;
  /** A background step failed; it is retried on the next cycle. */
  error: { readonly error: unknown; readonly context: 'renew' | 'take' | 'shard_sync' };
}
