import { newLease } from '../lease/Lease.js';
import type { LeaseTable } from '../lease/LeaseTable.js';
import { TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import type { ChildShardInfo } from './ShardSyncer.js';

/**
 * Leases for a finished shard's children, from the `ChildShards` its last read returned: `TRIM_HORIZON`, so
 * nothing is lost; they start once every parent is at `SHARD_END`. Existing leases are left alone. Returns the
 * child shard ids.
 */
export async function createChildLeases(
  leaseTable: LeaseTable,
  childShards: readonly ChildShardInfo[],
  stream?: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const child of childShards) {
    if (!child.ShardId) continue;
    ids.push(child.ShardId);
    const start = child.HashKeyRange?.StartingHashKey;
    const end = child.HashKeyRange?.EndingHashKey;
    await leaseTable.createLeaseIfNotExists(
      newLease(child.ShardId, TRIM_HORIZON, {
        parentShardIds: child.ParentShards ?? [],
        stream,
        ...(start && end ? { hashKeyRange: { startingHashKey: start, endingHashKey: end } } : {}),
      }),
    );
  }
  return ids;
}
