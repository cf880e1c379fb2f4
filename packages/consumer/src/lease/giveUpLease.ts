import type { LeaseRenewer } from './LeaseRenewer.js';
import type { LeaseTable } from './LeaseTable.js';

/** How a lease left a stopping worker: transferred to a named successor, or released for anyone to take. */
export const LeaseHandoffOutcome = { TRANSFERRED: 'transferred', RELEASED: 'released' } as const;
export type LeaseHandoffOutcome = (typeof LeaseHandoffOutcome)[keyof typeof LeaseHandoffOutcome];

/**
 * The last fenced write of a held lease: transfer to the acknowledged `successor` (owner = successor, counter + 1,
 * conditional on owner, counter and the acknowledgement), or release (owner removed) when there is none or it
 * withdrew. Throws `LeaseLostError` when the lease is no longer ours (as every fenced write).
 */
export async function giveUpLease(
  table: LeaseTable,
  renewer: LeaseRenewer,
  workerId: string,
  shardId: string,
  successor: { to: string; id: string } | undefined,
): Promise<LeaseHandoffOutcome> {
  const result: { outcome: LeaseHandoffOutcome } = { outcome: LeaseHandoffOutcome.RELEASED };
  const transferred = () => result.outcome === LeaseHandoffOutcome.TRANSFERRED;
  await renewer.write(
    shardId,
    successor === undefined ? 'release' : 'transfer',
    async (counter) => {
      if (successor === undefined) return table.evictLease(shardId, workerId, counter);
      if (await table.transferLease(shardId, workerId, counter, successor.to, successor.id)) {
        result.outcome = LeaseHandoffOutcome.TRANSFERRED;
        return true;
      }
      // The successor withdrew (it is stopping too), or our transfer landed unheard: release, or accept it.
      const fresh = await table.getLease(shardId);
      if (fresh?.leaseOwner === successor.to && fresh.handoff === undefined) {
        result.outcome = LeaseHandoffOutcome.TRANSFERRED;
        return true;
      }
      if (fresh?.leaseOwner !== workerId || fresh.leaseCounter !== counter) return false;
      return table.evictLease(shardId, workerId, counter);
    },
    (lease) => ({ ...lease, leaseOwner: transferred() ? successor?.to : undefined }),
    (fresh) => fresh.leaseOwner === undefined || (successor !== undefined && fresh.leaseOwner === successor.to),
  );
  return result.outcome;
}

/** Thrown by `transferOrKeep` when the successor withdrew: the lease is still this worker's, unchanged. */
export class LeaseKeptError extends Error {
  constructor(leaseKey: string) {
    super(`lease ${leaseKey} kept: its successor withdrew`);
    this.name = 'LeaseKeptError';
  }
}

/**
 * The end of a balancing move on the owner's side: transfers the lease to the successor that asked for it; when the
 * successor withdrew meanwhile (it gave up waiting, or is stopping), the owner keeps the lease as it is and throws
 * `LeaseKeptError` (nothing was written). Throws `LeaseLostError` when the lease is no longer ours.
 */
export async function transferOrKeep(
  table: LeaseTable,
  renewer: LeaseRenewer,
  workerId: string,
  leaseKey: string,
  successor: { to: string; id: string },
): Promise<void> {
  await renewer.write(
    leaseKey,
    'transfer',
    async (counter) => {
      if (await table.transferLease(leaseKey, workerId, counter, successor.to, successor.id)) return true;
      const fresh = await table.getLease(leaseKey);
      if (fresh?.leaseOwner === successor.to && fresh.handoff === undefined) return true; // landed unheard
      if (fresh?.leaseOwner === workerId && fresh.leaseCounter === counter) throw new LeaseKeptError(leaseKey);
      return false;
    },
    (lease) => ({ ...lease, leaseOwner: successor.to }),
    (fresh) => fresh.leaseOwner === successor.to,
  );
}
