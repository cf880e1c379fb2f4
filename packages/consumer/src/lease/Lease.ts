import type { ExtendedSequenceNumber } from '../sequence/ExtendedSequenceNumber.js';

/** A shard's hash key range, as the decimal strings the KCL stores (`startingHashKey`, `endingHashKey`). */
export interface LeaseHashKeyRange {
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

/**
 * One shard's lease, field for field the Java KCL's `Lease` (see docs/leases.md for the item layout).
 * Values are snapshots: the coordinator hands out copies, never its live state.
 */
export interface Lease {
  /** The shard id (single-stream KCL tables key leases by shard id). */
  readonly leaseKey: string;
  /** The worker holding the lease; `undefined` when nobody does. */
  readonly leaseOwner: string | undefined;
  /** Bumped by every renewal, take, release and checkpoint; every ownership write is conditional on it. */
  readonly leaseCounter: number;
  /** Where processing resumes: a sequence number or a sentinel (`TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP`, `SHARD_END`). */
  readonly checkpoint: ExtendedSequenceNumber;
  /** A two-phase checkpoint in progress (KCL `prepareCheckpoint`). */
  readonly pendingCheckpoint?: ExtendedSequenceNumber;
  /** Owner changes since the last checkpoint (a shard that keeps moving without progress is visible here). */
  readonly ownerSwitchesSinceCheckpoint: number;
  /** Parent shards (two after a merge); the shard starts only once every parent's checkpoint is `SHARD_END`. */
  readonly parentShardIds: readonly string[];
  /** Children, recorded when the shard ended. */
  readonly childShardIds: readonly string[];
  readonly hashKeyRange?: LeaseHashKeyRange;
  /** KCL 3 graceful handoff: the worker that must still checkpoint before `leaseOwner` may start. */
  readonly checkpointOwner?: string;
  /** KCL 3 throughput statistic, kept as read (never written by kinesis-kit). */
  readonly throughputKBps?: number;
  /** A graceful handoff in progress (kinesis-kit attributes `kkHandoff*`; the KCL ignores them). */
  readonly handoff?: LeaseHandoff;
  /**
   * Epoch ms (kinesis-kit attribute `kkStartTimestamp`): where an `AT_TIMESTAMP` lease starts; for a `LATEST` lease,
   * the moment it was created, at which reading is anchored until the first checkpoint (so a `LATEST` start is never
   * re-read from a newer tip, whoever holds the lease). The KCL ignores it.
   */
  readonly startTimestamp?: number;
  /**
   * The stream the lease belongs to, as `account:streamName:creationEpoch` (kinesis-kit attribute `kkStream`; the
   * KCL's stream identifier format). A worker refuses a table whose leases name another stream.
   */
  readonly stream?: string;
}

/**
 * A pending graceful handoff, as written on the lease item by the stopping owner (see docs/leases.md, "Graceful
 * handoff"). Neither the request nor the acknowledgement changes `leaseCounter`: the owner keeps renewing.
 */
export interface LeaseHandoff {
  /** The named successor: the only worker that may acknowledge it. */
  readonly to: string;
  /** Unique per request: an acknowledgement and the transfer name exactly one request. */
  readonly id: string;
  /** True once the successor acknowledged (it is now watching the item). */
  readonly acknowledged: boolean;
  /** The requester's clock when it wrote the request (for operators only: no worker trusts another's clock). */
  readonly requestedAt?: number;
}

/** A new lease for a shard nobody has processed yet. */
export function newLease(
  leaseKey: string,
  checkpoint: ExtendedSequenceNumber,
  fields: {
    parentShardIds?: readonly string[];
    hashKeyRange?: LeaseHashKeyRange;
    startTimestamp?: number | undefined;
    stream?: string | undefined;
  } = {},
): Lease {
  return {
    leaseKey,
    leaseOwner: undefined,
    leaseCounter: 0,
    checkpoint,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: fields.parentShardIds ?? [],
    childShardIds: [],
    ...(fields.hashKeyRange === undefined ? {} : { hashKeyRange: fields.hashKeyRange }),
    ...(fields.startTimestamp === undefined ? {} : { startTimestamp: fields.startTimestamp }),
    ...(fields.stream === undefined ? {} : { stream: fields.stream }),
  };
}
