import type { Shard } from '@aws-sdk/client-kinesis';
import { type Lease, type LeaseHashKeyRange, leaseShardId, multiStreamLeaseKey, newLease } from '../lease/Lease.js';
import {
  AT_TIMESTAMP,
  type ExtendedSequenceNumber,
  isShardEnd,
  LATEST,
  SentinelCheckpoint,
  SHARD_END,
  TRIM_HORIZON,
} from '../sequence/ExtendedSequenceNumber.js';

/** Where a consumer starts in shards nobody has processed yet. */
export const InitialPosition = {
  TRIM_HORIZON: 'TRIM_HORIZON',
  LATEST: 'LATEST',
  AT_TIMESTAMP: 'AT_TIMESTAMP',
} as const;
export type InitialPosition = (typeof InitialPosition)[keyof typeof InitialPosition];

/** What new leases carry besides their position. */
export interface PlanFields {
  /** Epoch ms: a LATEST root's anchor (the sync's time), or an AT_TIMESTAMP root's configured timestamp. */
  readonly startTimestamp?: number | undefined;
  /** The stream identifier every new lease records (`account:streamName:creationEpoch`). */
  readonly stream?: string | undefined;
  /**
   * Multi-stream tables: new leases are keyed `stream:shardId` and record their `shardId` (the KCL layout). The
   * `leases` map is keyed by shard id either way.
   */
  readonly multiStream?: boolean | undefined;
}

/** What a sync should change in the lease table. */
export interface LeasePlan {
  /** New leases, parents before children. */
  create: Lease[];
  /** Leases of shards gone past retention (with their counter, for a conditional delete). */
  remove: Lease[];
}

/** The parents of a shard (one after a split, two after a merge). */
export function parentShardIds(shard: Shard): string[] {
  const parents: string[] = [];
  if (shard.ParentShardId) parents.push(shard.ParentShardId);
  if (shard.AdjacentParentShardId) parents.push(shard.AdjacentParentShardId);
  return parents;
}

export function hashKeyRangeOf(shard: Shard): LeaseHashKeyRange | undefined {
  const range = shard.HashKeyRange;
  return range?.StartingHashKey && range.EndingHashKey
    ? { startingHashKey: range.StartingHashKey, endingHashKey: range.EndingHashKey }
    : undefined;
}

/**
 * Pure lease planning over the shard lineage (no I/O), so every rule is unit-testable:
 *
 * - a shard whose parent has (or gets) a lease gets a `TRIM_HORIZON` lease: nothing written after the split or
 *   merge is lost, and the child waits for every parent's `SHARD_END` before starting (that wait is the worker's);
 * - a shard with a leased descendant is skipped (its data was handled before, or deliberately skipped);
 * - any other shard is a root: with `TRIM_HORIZON`/`AT_TIMESTAMP` it gets the initial position (and so do its
 *   descendants planned in the same pass); with `LATEST` open shards get a `LATEST` lease, and closed ones a finished
 *   one (`SHARD_END`: nothing new to read, and the children need not wait). That finished lease is what keeps a sync
 *   planned from an older listing — one that still shows the shard open — from creating a `LATEST` lease for it
 *   after its children were created and started: the shard's records from before the split would then be read
 *   after the children's (`attribute_not_exists` refuses the late create);
 * - a lease whose shard is no longer listed is removed when it is finished (`SHARD_END`) or when a listed shard
 *   names it as parent (the parent aged out of retention: its children must not wait for it forever).
 */
export function planLeases(
  shards: readonly Shard[],
  leases: ReadonlyMap<string, Lease>,
  initialPosition: InitialPosition,
  fields: PlanFields = {},
): LeasePlan {
  const byId = new Map<string, Shard>();
  const children = new Map<string, string[]>();
  for (const shard of shards) {
    if (shard.ShardId === undefined) continue;
    byId.set(shard.ShardId, shard);
    for (const parent of parentShardIds(shard)) {
      let list = children.get(parent);
      if (list === undefined) {
        list = [];
        children.set(parent, list);
      }
      list.push(shard.ShardId);
    }
  }

  const planned = new Map<string, Lease>();
  const create: Lease[] = [];
  for (const shard of topologicalOrder(byId)) {
    const id = shard.ShardId as string;
    if (leases.has(id) || hasLeasedDescendant(id, children, leases)) continue;
    const parents = parentShardIds(shard);
    let checkpoint: ExtendedSequenceNumber;
    if (parents.some((p) => isReadParent(leases.get(p)))) {
      checkpoint = TRIM_HORIZON;
    } else {
      // Parents planned in this pass, but not closed LATEST roots (finished, never read: children do not follow them).
      const plannedParents = parents
        .map((p) => planned.get(p))
        .filter((l): l is Lease => l !== undefined && !isShardEnd(l.checkpoint));
      if (plannedParents.length > 0) {
        checkpoint = plannedParents.every((l) => l.checkpoint.sequenceNumber === SentinelCheckpoint.AT_TIMESTAMP)
          ? AT_TIMESTAMP
          : TRIM_HORIZON;
      } else if (initialPosition === InitialPosition.LATEST) {
        checkpoint = shard.SequenceNumberRange?.EndingSequenceNumber === undefined ? LATEST : SHARD_END;
      } else {
        checkpoint = initialPosition === InitialPosition.AT_TIMESTAMP ? AT_TIMESTAMP : TRIM_HORIZON;
      }
    }
    const hashKeyRange = hashKeyRangeOf(shard);
    const timed = checkpoint === LATEST || checkpoint === AT_TIMESTAMP;
    const multi = fields.multiStream === true && fields.stream !== undefined;
    const lease = newLease(multi ? multiStreamLeaseKey(fields.stream as string, id) : id, checkpoint, {
      parentShardIds: parents,
      ...(hashKeyRange === undefined ? {} : { hashKeyRange }),
      startTimestamp: timed ? fields.startTimestamp : undefined,
      stream: fields.stream,
      shardId: multi ? id : undefined,
    });
    planned.set(id, lease);
    create.push(lease);
  }

  const remove: Lease[] = [];
  for (const lease of leases.values()) {
    const id = leaseShardId(lease);
    if (byId.has(id)) continue;
    if (isShardEnd(lease.checkpoint) || children.has(id)) remove.push(lease);
  }
  return { create, remove };
}

/**
 * A parent lease its children follow. Every lease is one, except a closed `LATEST` root's finished one (`SHARD_END`
 * at counter 0: created finished, never taken), whose children are roots themselves — say when an earlier sync
 * created the parent's lease and failed before the child's.
 */
function isReadParent(lease: Lease | undefined): boolean {
  return lease !== undefined && !(isShardEnd(lease.checkpoint) && lease.leaseCounter === 0);
}

function hasLeasedDescendant(
  id: string,
  children: ReadonlyMap<string, string[]>,
  leases: ReadonlyMap<string, Lease>,
): boolean {
  const stack = [...(children.get(id) ?? [])];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    if (leases.has(next)) return true;
    stack.push(...(children.get(next) ?? []));
  }
  return false;
}

// Parents (within the listing) before children; shards are few, so depth by memoised recursion is fine.
function topologicalOrder(byId: ReadonlyMap<string, Shard>): Shard[] {
  const depth = new Map<string, number>();
  const depthOf = (id: string, guard: number): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const shard = byId.get(id);
    if (shard === undefined || guard > byId.size) return -1;
    let d = 0;
    for (const parent of parentShardIds(shard)) d = Math.max(d, depthOf(parent, guard + 1) + 1);
    depth.set(id, d);
    return d;
  };
  const shards = [...byId.values()];
  for (const shard of shards) depthOf(shard.ShardId as string, 0);
  return shards.sort(
    (a, b) =>
      (depth.get(a.ShardId as string) ?? 0) - (depth.get(b.ShardId as string) ?? 0) ||
      (a.ShardId as string).localeCompare(b.ShardId as string),
  );
}
