import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SHARD_END } from '../sequence/ExtendedSequenceNumber.js';
import { LeaseAttribute, type LeaseItem } from './leaseSerializer.js';
import type { WorkerRecord, WorkerReport } from './WorkerRecord.js';

/**
 * The worker item layout. It shares the lease table (as the KCL 3.5 single-table format keeps its worker metrics
 * there), told apart by `entityType`: kinesis-kit and KCL 3.5 skip entity types they do not know. For a KCL ≤ 3.4
 * that reads the table anyway, the item looks like a finished lease (`checkpoint` `SHARD_END`, no owner): never
 * processed; its lease cleanup may delete it, and the worker writes it again.
 */
export const WORKER_ENTITY_TYPE = 'KK_WORKER';
/** Prefix of a worker item's `leaseKey` (no shard id or KCL multi-stream key starts with it). */
export const WORKER_KEY_PREFIX = 'kk-worker:';

export const WorkerAttribute = {
  WORKER_ID: 'kkWorkerId', // S
  LEAVING: 'kkWorkerLeaving', // BOOL
  UTILIZATION: 'kkWorkerElu', // N, 0..1
  CPU: 'kkWorkerCpu', // N, 0..1
  THROUGHPUT_KBPS: 'kkWorkerKBps', // N
  LEASE_COUNT: 'kkWorkerLeases', // N
  REPORTED_AT: 'kkWorkerReportedAt', // N, epoch ms (informational)
} as const;

export function workerKey(workerId: string): string {
  return `${WORKER_KEY_PREFIX}${workerId}`;
}

export function isWorkerItem(item: LeaseItem): boolean {
  return item[LeaseAttribute.ENTITY_TYPE]?.S === WORKER_ENTITY_TYPE;
}

/** The UpdateItem that writes a worker's item (created if absent, counter + 1). */
export function workerUpdate(report: WorkerReport): {
  key: Record<string, AttributeValue>;
  update: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
} {
  const W = WorkerAttribute;
  const sets = [
    '#counter = if_not_exists(#counter, :zero) + :one',
    '#type = :type',
    '#cp = :cp',
    '#id = :id',
    '#leaving = :leaving',
  ];
  const removes: string[] = [];
  const names: Record<string, string> = {
    '#counter': LeaseAttribute.LEASE_COUNTER,
    '#type': LeaseAttribute.ENTITY_TYPE,
    '#cp': LeaseAttribute.CHECKPOINT,
    '#id': W.WORKER_ID,
    '#leaving': W.LEAVING,
  };
  const values: Record<string, AttributeValue> = {
    ':zero': { N: '0' },
    ':one': { N: '1' },
    ':type': { S: WORKER_ENTITY_TYPE },
    ':cp': { S: SHARD_END.sequenceNumber },
    ':id': { S: report.workerId },
    ':leaving': { BOOL: report.leaving },
  };
  const optional: [string, string, number | undefined][] = [
    ['#elu', W.UTILIZATION, report.utilization],
    ['#cpu', W.CPU, report.cpu],
    ['#kbps', W.THROUGHPUT_KBPS, report.throughputKBps],
    ['#leases', W.LEASE_COUNT, report.leaseCount],
    ['#at', W.REPORTED_AT, report.reportedAt],
  ];
  for (const [placeholder, name, value] of optional) {
    names[placeholder] = name;
    if (value === undefined || !Number.isFinite(value)) {
      removes.push(placeholder);
    } else {
      sets.push(`${placeholder} = ${placeholder.replace('#', ':')}`);
      values[placeholder.replace('#', ':')] = { N: String(round(value)) };
    }
  }
  return {
    key: { [LeaseAttribute.LEASE_KEY]: { S: workerKey(report.workerId) } },
    update: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    names,
    values,
  };
}

/** Reads a worker item; undefined for anything else. */
export function fromWorkerItem(item: LeaseItem): WorkerRecord | undefined {
  if (!isWorkerItem(item)) return undefined;
  const W = WorkerAttribute;
  const key = item[LeaseAttribute.LEASE_KEY]?.S;
  const workerId = item[W.WORKER_ID]?.S ?? key?.slice(WORKER_KEY_PREFIX.length);
  if (workerId === undefined || workerId === '') return undefined;
  const number = (name: string) => {
    const text = item[name]?.N;
    const value = text === undefined ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const fields: [keyof WorkerRecord, number | undefined][] = [
    ['utilization', number(W.UTILIZATION)],
    ['cpu', number(W.CPU)],
    ['throughputKBps', number(W.THROUGHPUT_KBPS)],
    ['leaseCount', number(W.LEASE_COUNT)],
    ['reportedAt', number(W.REPORTED_AT)],
  ];
  const record: Record<string, unknown> = {
    workerId,
    counter: number(LeaseAttribute.LEASE_COUNTER) ?? 0,
    leaving: item[W.LEAVING]?.BOOL === true,
  };
  for (const [name, value] of fields) if (value !== undefined) record[name] = value;
  return record as unknown as WorkerRecord;
}

/** Numbers written with 4 decimals at most: loads need no more, and items stay small. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
