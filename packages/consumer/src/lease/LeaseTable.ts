import type { ExtendedSequenceNumber } from '../sequence/ExtendedSequenceNumber.js';
import type { Lease } from './Lease.js';

/** The checkpoint fields one fenced checkpoint write sets. */
export interface CheckpointUpdate {
  readonly checkpoint: ExtendedSequenceNumber;
  /** A two-phase checkpoint to record; `null` (default) removes any pending one. */
  readonly pendingCheckpoint?: ExtendedSequenceNumber | null;
  /** Recorded when the shard ended. */
  readonly childShardIds?: readonly string[];
}

/**
 * Storage of leases. Every write that concerns ownership is conditional on the item's `leaseCounter` (and owner):
 * it returns `false` (or `undefined`) when the condition failed and throws a `LeaseTableError` for anything else
 * (throttling, timeouts: the write may or may not have happened). Writes that succeed bump `leaseCounter` by 1.
 */
export interface LeaseTable {
  readonly tableName: string;
  /** Creates the table if absent, waits for ACTIVE, and refuses a table that isn't a lease table. Idempotent. */
  initialize(): Promise<void>;
  /** Every lease (a paginated Scan; eventually consistent: writes re-check with conditions). */
  listLeases(): Promise<Lease[]>;
  /** One lease, strongly consistent. */
  getLease(leaseKey: string): Promise<Lease | undefined>;
  /** Puts the lease unless one with its key exists; `true` when created. */
  createLeaseIfNotExists(lease: Lease): Promise<boolean>;
  /** Heartbeat: counter + 1, if the counter is still `leaseCounter` and the owner `owner`. */
  renewLease(leaseKey: string, owner: string, leaseCounter: number): Promise<boolean>;
  /**
   * Takes `observed` (as last read) for `owner`, if its counter is unchanged: owner set, counter + 1,
   * `ownerSwitchesSinceCheckpoint` + 1 when the owner changes, `checkpointOwner` and handoff attributes removed.
   * The updated lease.
   */
  takeLease(observed: Lease, owner: string): Promise<Lease | undefined>;
  /**
   * Graceful handoff, step 1 (the owner): names `to` as successor with a unique `id`. Conditional on the owner
   * only; the counter is not touched (the owner keeps renewing). Replaces any earlier request.
   */
  requestHandoff(leaseKey: string, owner: string, to: string, id: string, requestedAt: number): Promise<boolean>;
  /** Step 2 (the successor): acknowledges request `id`, if the lease is still `owner`'s and the request names `to`. */
  acknowledgeHandoff(leaseKey: string, owner: string, to: string, id: string): Promise<boolean>;
  /** The successor withdraws its acknowledgement (it is stopping itself), if the lease is still `owner`'s. */
  withdrawHandoffAck(leaseKey: string, owner: string, id: string): Promise<boolean>;
  /**
   * Step 3 (the owner, after its processor checkpointed): `leaseOwner` = the successor, counter + 1, owner
   * switches + 1, handoff attributes removed — if owner and counter match and request `id` is still acknowledged.
   */
  transferLease(leaseKey: string, owner: string, leaseCounter: number, to: string, id: string): Promise<boolean>;
  /** Releases: owner removed (and any handoff request), counter + 1, if owner and counter match. */
  evictLease(leaseKey: string, owner: string, leaseCounter: number): Promise<boolean>;
  /**
   * Fenced checkpoint: sets the checkpoint, zeroes owner switches, and sets or removes the pending checkpoint (and
   * removes the KCL's `pendingCheckpointState`), counter + 1, if owner and counter match.
   */
  updateCheckpoint(leaseKey: string, owner: string, leaseCounter: number, update: CheckpointUpdate): Promise<boolean>;
  /**
   * Two-phase checkpoint, phase 1: sets only the pending checkpoint — never the checkpoint itself, so a prepare can
   * never move the checkpoint (back) — counter + 1, if owner and counter match.
   */
  updatePendingCheckpoint(
    leaseKey: string,
    owner: string,
    leaseCounter: number,
    pendingCheckpoint: ExtendedSequenceNumber,
  ): Promise<boolean>;
  /** Deletes the lease (if its counter is `leaseCounter`, when given). */
  deleteLease(leaseKey: string, leaseCounter?: number): Promise<boolean>;
}
