import type { Lease } from '../lease/Lease.js';
import type { ChildLeases } from './createChildLeases.js';
import type { ChildShardInfo, SyncResult } from './ShardSyncer.js';

/**
 * Where a lease coordinator's leases come from: one stream (`ShardSyncer`) or several (`MultiStreamSync`). The
 * coordinator asks it which leases are this application's, how to name a lease's parents and children, and to
 * create the leases of new shards.
 */
export interface ShardSource {
  /** Refuses a table that serves other streams than this source's (`StreamMismatchError`). */
  checkTable(leases: readonly Lease[], tableName: string): Promise<void>;
  /** Lists the shards and creates (and cleans up) leases; `knownLeases` saves a scan. */
  syncOnce(knownLeases?: readonly Lease[]): Promise<SyncResult>;
  /** Leases for the children an ended lease's last read reported (see `createChildLeases`). */
  createChildLeases(ended: Lease, childShards: readonly ChildShardInfo[]): Promise<ChildLeases>;
  /** The children of an ended lease's shard, from the last shard listing. */
  childShardIdsOf(ended: Lease): string[];
  /** Whether the lease belongs to a stream this application reads now (others are neither taken nor kept). */
  tracks(lease: Lease): boolean;
  /** The key of the lease of `shardId` in the same stream as `sibling` (its parents, its children). */
  leaseKeyOf(sibling: Lease, shardId: string): string;
  /** How often every worker calls `refresh` (streams come and go). Undefined: never. */
  readonly refreshIntervalMs?: number | undefined;
  /** Re-reads the list of streams; new ones get their leases at once. */
  refresh?(): Promise<void>;
}
