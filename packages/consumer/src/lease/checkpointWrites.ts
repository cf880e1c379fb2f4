import { ConsumerError } from '../errors.js';
import {
  compareExtendedSequenceNumbers,
  type ExtendedSequenceNumber,
  isShardEnd,
  isValidExtendedSequenceNumber,
  SHARD_END,
} from '../sequence/ExtendedSequenceNumber.js';
import type { Lease } from './Lease.js';
import type { LeaseRenewer } from './LeaseRenewer.js';
import type { LeaseTable } from './LeaseTable.js';

/** What the checkpoint writes of a worker need: its table, its id, and the renewer whose write queue fences them. */
export interface CheckpointWriter {
  readonly table: LeaseTable;
  readonly workerId: string;
  readonly renewer: LeaseRenewer;
}

/**
 * Writes a checkpoint (and removes any pending one), fenced by ownership: the write succeeds only if this worker
 * still owns the lease with the counter it last wrote — and, with `session`, still in that session.
 */
export async function writeCheckpoint(
  w: CheckpointWriter,
  leaseKey: string,
  position: ExtendedSequenceNumber,
  session: number | undefined,
): Promise<void> {
  if (!isValidExtendedSequenceNumber(position)) {
    throw new ConsumerError(`Invalid checkpoint ${JSON.stringify(position)} for shard ${leaseKey}`);
  }
  await w.renewer.write(
    leaseKey,
    'checkpoint',
    (counter) =>
      w.table.updateCheckpoint(leaseKey, w.workerId, counter, { checkpoint: position, pendingCheckpoint: null }),
    (lease) => withCheckpoint(lease, position),
    // Already there — or further: a later checkpoint of ours landed although its answer was lost (the item still
    // names us). Writing this one now would move the stored checkpoint back, so it counts as done.
    (fresh) => {
      const order = compareExtendedSequenceNumbers(fresh.checkpoint, position);
      return order > 0 || (order === 0 && fresh.pendingCheckpoint === undefined);
    },
    session,
  );
}

/**
 * Two-phase checkpoint, phase 1: only the pending attribute is written, never the checkpoint, so a prepare after a
 * checkpoint whose answer was lost (it landed, the client saw a timeout) cannot rewind it.
 */
export async function writePendingCheckpoint(
  w: CheckpointWriter,
  leaseKey: string,
  pendingCheckpoint: ExtendedSequenceNumber,
  session: number | undefined,
): Promise<void> {
  if (!isValidExtendedSequenceNumber(pendingCheckpoint)) {
    throw new ConsumerError(`Invalid pending checkpoint ${JSON.stringify(pendingCheckpoint)} for shard ${leaseKey}`);
  }
  await w.renewer.write(
    leaseKey,
    'prepare_checkpoint',
    (counter) => w.table.updatePendingCheckpoint(leaseKey, w.workerId, counter, pendingCheckpoint),
    (lease) => ({ ...lease, pendingCheckpoint }),
    (fresh) =>
      fresh.pendingCheckpoint !== undefined &&
      compareExtendedSequenceNumbers(fresh.pendingCheckpoint, pendingCheckpoint) === 0,
    session,
  );
}

/** Checkpoints `SHARD_END` and records the children, fenced like `writeCheckpoint`. */
export async function writeShardEnd(
  w: CheckpointWriter,
  leaseKey: string,
  childShardIds: string[],
  session: number | undefined,
): Promise<void> {
  await w.renewer.write(
    leaseKey,
    'shard_end',
    (counter) => w.table.updateCheckpoint(leaseKey, w.workerId, counter, { checkpoint: SHARD_END, childShardIds }),
    (lease) => ({ ...withCheckpoint(lease, SHARD_END), childShardIds }),
    (fresh) => isShardEnd(fresh.checkpoint),
    session,
  );
}

function withCheckpoint(lease: Lease, checkpoint: ExtendedSequenceNumber): Lease {
  const { pendingCheckpoint: _old, ...rest } = lease;
  return { ...rest, checkpoint, ownerSwitchesSinceCheckpoint: 0 };
}
