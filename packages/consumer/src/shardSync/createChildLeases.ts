import { newLease } from '../lease/Lease.js';
import type { LeaseTable } from '../lease/LeaseTable.js';
import { TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import type { ChildShardInfo } from './ShardSyncer.js';

/** What `createChildLeases` did. */
export interface ChildLeases {
  /** The children named by `ChildShards`. */
  readonly childShardIds: string[];
  /**
   * Children not created because another parent of theirs (a merge) has no lease yet: it is still to be
   * discovered (its own parent has not ended yet), and a child created now would not wait for it. A shard sync
   * creates both, parents first.
   */
  readonly deferred: string[];
}

/**
 * Leases for a finished shard's children, from the `ChildShards` its last read returned: `TRIM_HORIZON`, so
 * nothing is lost; they start once every parent is at `SHARD_END` — or has no lease. So a merged child is created
 * only when every one of its parents has a lease (as the KCL does): the parent without one is a shard nobody
 * discovered yet, not one that is finished. Existing leases are left alone.
 */
export async function createChildLeases(
  leaseTable: LeaseTable,
  childShards: readonly ChildShardInfo[],
  stream?: string,
): Promise<ChildLeases> {
  const childShardIds: string[] = [];
  const deferred: string[] = [];
  for (const child of childShards) {
    if (!child.ShardId) continue;
    childShardIds.push(child.ShardId);
    const parents = child.ParentShards ?? [];
    if (parents.length > 1) {
      const leases = await Promise.all(parents.map((parent) => leaseTable.getLease(parent)));
      if (leases.some((lease) => lease === undefined)) {
        deferred.push(child.ShardId);
        continue;
      }
    }
    const start = child.HashKeyRange?.StartingHashKey;
    const end = child.HashKeyRange?.EndingHashKey;
    await leaseTable.createLeaseIfNotExists(
      newLease(child.ShardId, TRIM_HORIZON, {
        parentShardIds: parents,
        stream,
        ...(start && end ? { hashKeyRange: { startingHashKey: start, endingHashKey: end } } : {}),
      }),
    );
  }
  return { childShardIds, deferred };
}
