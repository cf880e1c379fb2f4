import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ExtendedSequenceNumber } from '../sequence/ExtendedSequenceNumber.js';
import type { Lease, LeaseHandoff, LeaseHashKeyRange } from './Lease.js';

/**
 * The KCL 2.x/3.x lease item format (DynamoDBLeaseSerializer): attribute names and DynamoDB types.
 * Writing exactly these lets the Java KCL and kinesis-kit share one table, in either direction.
 */
export const LeaseAttribute = {
  LEASE_KEY: 'leaseKey', // S, the table's hash key
  LEASE_OWNER: 'leaseOwner', // S, absent when unowned
  LEASE_COUNTER: 'leaseCounter', // N
  CHECKPOINT: 'checkpoint', // S: digits or a sentinel
  CHECKPOINT_SUB_SEQUENCE_NUMBER: 'checkpointSubSequenceNumber', // N
  PENDING_CHECKPOINT: 'pendingCheckpoint', // S, optional
  PENDING_CHECKPOINT_SUB_SEQUENCE_NUMBER: 'pendingCheckpointSubSequenceNumber', // N, optional
  PENDING_CHECKPOINT_STATE: 'pendingCheckpointState', // B, optional (kept untouched)
  OWNER_SWITCHES_SINCE_CHECKPOINT: 'ownerSwitchesSinceCheckpoint', // N
  PARENT_SHARD_ID: 'parentShardId', // SS, absent when empty
  CHILD_SHARD_IDS: 'childShardIds', // SS, absent when empty
  STARTING_HASH_KEY: 'startingHashKey', // S
  ENDING_HASH_KEY: 'endingHashKey', // S
  THROUGHPUT_KBPS: 'throughputKBps', // N (KCL 3)
  CHECKPOINT_OWNER: 'checkpointOwner', // S (KCL 3 graceful handoff)
  ENTITY_TYPE: 'entityType', // S (KCL 3.5 single-table layout): 'LEASE' or absent for leases
  // kinesis-kit graceful handoff (not KCL attributes: the KCL's serializer ignores attributes it does not know).
  HANDOFF_TO: 'kkHandoffTo', // S: the named successor
  HANDOFF_ID: 'kkHandoffId', // S: unique per request
  HANDOFF_ACK: 'kkHandoffAck', // S: the request id, once the successor acknowledged
  HANDOFF_REQUESTED_AT: 'kkHandoffRequestedAt', // N: requester's epoch ms (informational)
  // Where an AT_TIMESTAMP lease starts, or the time a LATEST lease is anchored at (epoch ms; see Lease.startTimestamp).
  START_TIMESTAMP: 'kkStartTimestamp', // N
  // The stream the lease belongs to, as the KCL writes a stream identifier: `account:streamName:creationEpoch`.
  STREAM: 'kkStream', // S
} as const;

/** `entityType` of lease items; other entity types (KCL 3.5 metadata) share the table and are skipped. */
export const LEASE_ENTITY_TYPE = 'LEASE';

export type LeaseItem = Record<string, AttributeValue>;

/** True when the item is a lease: no entity type (KCL ≤ 3.4 and older) or `LEASE`. */
export function isLeaseItem(item: LeaseItem): boolean {
  const type = item[LeaseAttribute.ENTITY_TYPE]?.S;
  return type === undefined || type === LEASE_ENTITY_TYPE;
}

/** True when the item has the attributes every KCL lease item has (key, counter, checkpoint). */
export function hasLeaseAttributes(item: LeaseItem): boolean {
  return (
    item[LeaseAttribute.LEASE_KEY]?.S !== undefined &&
    item[LeaseAttribute.LEASE_COUNTER]?.N !== undefined &&
    item[LeaseAttribute.CHECKPOINT]?.S !== undefined
  );
}

/** The full item for a new lease (PutItem). */
export function toLeaseItem(lease: Lease): LeaseItem {
  const item: LeaseItem = {
    [LeaseAttribute.LEASE_KEY]: { S: lease.leaseKey },
    [LeaseAttribute.LEASE_COUNTER]: num(lease.leaseCounter),
    [LeaseAttribute.OWNER_SWITCHES_SINCE_CHECKPOINT]: num(lease.ownerSwitchesSinceCheckpoint),
    [LeaseAttribute.CHECKPOINT]: { S: lease.checkpoint.sequenceNumber },
    [LeaseAttribute.CHECKPOINT_SUB_SEQUENCE_NUMBER]: num(lease.checkpoint.subSequenceNumber),
    [LeaseAttribute.ENTITY_TYPE]: { S: LEASE_ENTITY_TYPE },
  };
  if (lease.leaseOwner !== undefined) item[LeaseAttribute.LEASE_OWNER] = { S: lease.leaseOwner };
  if (lease.parentShardIds.length > 0) item[LeaseAttribute.PARENT_SHARD_ID] = { SS: [...lease.parentShardIds] };
  if (lease.childShardIds.length > 0) item[LeaseAttribute.CHILD_SHARD_IDS] = { SS: [...lease.childShardIds] };
  if (lease.pendingCheckpoint !== undefined && lease.pendingCheckpoint.sequenceNumber !== '') {
    item[LeaseAttribute.PENDING_CHECKPOINT] = { S: lease.pendingCheckpoint.sequenceNumber };
    item[LeaseAttribute.PENDING_CHECKPOINT_SUB_SEQUENCE_NUMBER] = num(lease.pendingCheckpoint.subSequenceNumber);
  }
  if (lease.hashKeyRange !== undefined) {
    item[LeaseAttribute.STARTING_HASH_KEY] = { S: lease.hashKeyRange.startingHashKey };
    item[LeaseAttribute.ENDING_HASH_KEY] = { S: lease.hashKeyRange.endingHashKey };
  }
  if (lease.checkpointOwner !== undefined) item[LeaseAttribute.CHECKPOINT_OWNER] = { S: lease.checkpointOwner };
  if (lease.throughputKBps !== undefined) item[LeaseAttribute.THROUGHPUT_KBPS] = num(lease.throughputKBps);
  if (lease.startTimestamp !== undefined) item[LeaseAttribute.START_TIMESTAMP] = num(lease.startTimestamp);
  if (lease.stream !== undefined) item[LeaseAttribute.STREAM] = { S: lease.stream };
  return item;
}

/**
 * Reads a lease item as the KCL does: missing numbers read as 0, missing sets as empty, a missing
 * sub-sequence number as 0. Returns `undefined` for non-lease entities and items without a key.
 */
export function fromLeaseItem(item: LeaseItem): Lease | undefined {
  if (!isLeaseItem(item)) return undefined;
  const leaseKey = item[LeaseAttribute.LEASE_KEY]?.S;
  if (leaseKey === undefined) return undefined;
  const checkpoint: ExtendedSequenceNumber = {
    sequenceNumber: item[LeaseAttribute.CHECKPOINT]?.S ?? '',
    subSequenceNumber: readNumber(item[LeaseAttribute.CHECKPOINT_SUB_SEQUENCE_NUMBER]),
  };
  const pending = item[LeaseAttribute.PENDING_CHECKPOINT]?.S;
  const start = item[LeaseAttribute.STARTING_HASH_KEY]?.S;
  const end = item[LeaseAttribute.ENDING_HASH_KEY]?.S;
  // Digits only: a hand-edited item must not break the worker that reads it (the range is then ignored).
  const hashKeyRange: LeaseHashKeyRange | undefined =
    start && end && DIGITS.test(start) && DIGITS.test(end) ? { startingHashKey: start, endingHashKey: end } : undefined;
  const checkpointOwner = item[LeaseAttribute.CHECKPOINT_OWNER]?.S;
  const throughput = item[LeaseAttribute.THROUGHPUT_KBPS]?.N;
  const handoff = readHandoff(item);
  const startTimestamp = item[LeaseAttribute.START_TIMESTAMP]?.N;
  const stream = item[LeaseAttribute.STREAM]?.S;
  return {
    leaseKey,
    leaseOwner: item[LeaseAttribute.LEASE_OWNER]?.S,
    leaseCounter: readNumber(item[LeaseAttribute.LEASE_COUNTER]),
    checkpoint,
    ...(pending
      ? {
          pendingCheckpoint: {
            sequenceNumber: pending,
            subSequenceNumber: readNumber(item[LeaseAttribute.PENDING_CHECKPOINT_SUB_SEQUENCE_NUMBER]),
          },
        }
      : {}),
    ownerSwitchesSinceCheckpoint: readNumber(item[LeaseAttribute.OWNER_SWITCHES_SINCE_CHECKPOINT]),
    parentShardIds: item[LeaseAttribute.PARENT_SHARD_ID]?.SS ?? [],
    childShardIds: item[LeaseAttribute.CHILD_SHARD_IDS]?.SS ?? [],
    ...(hashKeyRange === undefined ? {} : { hashKeyRange }),
    ...(checkpointOwner === undefined ? {} : { checkpointOwner }),
    ...(throughput === undefined ? {} : { throughputKBps: Number(throughput) }),
    ...(handoff === undefined ? {} : { handoff }),
    ...(startTimestamp === undefined || !Number.isFinite(Number(startTimestamp))
      ? {}
      : { startTimestamp: Number(startTimestamp) }),
    ...(stream === undefined ? {} : { stream }),
  };
}

function readHandoff(item: LeaseItem): LeaseHandoff | undefined {
  const to = item[LeaseAttribute.HANDOFF_TO]?.S;
  const id = item[LeaseAttribute.HANDOFF_ID]?.S;
  if (to === undefined || id === undefined) return undefined;
  const requestedAt = item[LeaseAttribute.HANDOFF_REQUESTED_AT]?.N;
  return {
    to,
    id,
    acknowledged: item[LeaseAttribute.HANDOFF_ACK]?.S === id,
    ...(requestedAt === undefined ? {} : { requestedAt: Number(requestedAt) }),
  };
}

const DIGITS = /^\d+$/;

function num(value: number): AttributeValue {
  return { N: String(value) };
}

function readNumber(value: AttributeValue | undefined): number {
  const text = value?.N;
  return text === undefined ? 0 : Number(text);
}
