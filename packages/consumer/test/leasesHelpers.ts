import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DynamoDBLeaseTable,
  type InitialPosition,
  type Lease,
  LeaseCoordinator,
  type LeaseCoordinatorOptions,
  ShardSyncer,
} from '@kinesis-kit/consumer/leases';

let tableCounter = 0;
/** A unique table name per test. */
export function uniqueName(prefix: string): string {
  tableCounter++;
  return `${prefix}-${Date.now().toString(36)}-${tableCounter}`;
}

export interface Worker {
  readonly id: string;
  readonly coordinator: LeaseCoordinator;
  readonly table: DynamoDBLeaseTable;
  /** This worker's own DynamoDB client (for fault injection). */
  readonly client: DynamoDBClient;
  readonly gained: string[];
  readonly lost: string[];
}

/** A coordinator with its own lease-table instance (and so its own client when given one). */
export function makeWorker(
  id: string,
  options: {
    dynamoDbClient: DynamoDBClient;
    tableName: string;
    kinesisClient?: KinesisClient;
    streamName?: string;
    initialPosition?: InitialPosition;
    requestTimeoutMs?: number;
  } & Partial<Omit<LeaseCoordinatorOptions, 'leaseTable' | 'workerId'>>,
): Worker {
  const { dynamoDbClient, tableName, kinesisClient, streamName, initialPosition, requestTimeoutMs, ...rest } = options;
  const table = new DynamoDBLeaseTable({
    dynamoDbClient,
    tableName,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
  const shardSyncer =
    kinesisClient !== undefined && streamName !== undefined
      ? new ShardSyncer({
          kinesisClient,
          streamName,
          leaseTable: table,
          initialPosition: initialPosition ?? 'TRIM_HORIZON',
          logger: silent,
        })
      : undefined;
  const coordinator = new LeaseCoordinator({
    failoverTimeMs: 3_000,
    takingIntervalMs: 300,
    ...rest,
    leaseTable: table,
    workerId: id,
    ...(shardSyncer === undefined ? {} : { shardSyncer }),
  });
  const worker: Worker = { id, coordinator, table, client: dynamoDbClient, gained: [], lost: [] };
  coordinator.on('lease_gained', (lease: Lease) => worker.gained.push(lease.leaseKey));
  coordinator.on('lease_lost', (lease: Lease) => worker.lost.push(lease.leaseKey));
  return worker;
}

const noop = () => undefined;
const silent = {
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silent,
};

/** Owner per lease key, as the table says (strongly consistent reads not needed: one client, dynalite). */
export async function ownership(table: DynamoDBLeaseTable): Promise<Map<string, string | undefined>> {
  const leases = await table.listLeases();
  return new Map(leases.map((l) => [l.leaseKey, l.leaseOwner]));
}

export function countsByOwner(owners: ReadonlyMap<string, string | undefined>): number[] {
  const counts = new Map<string, number>();
  for (const owner of owners.values()) if (owner !== undefined) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => b - a);
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every worker's own view of its leases matches the table (no steal still unnoticed). */
export async function settled(workers: readonly Worker[], table: Worker['table'], timeoutMs = 9_000) {
  await waitUntil(
    async () => {
      const owners = await ownership(table);
      return workers.every((w) => {
        const held = [...w.coordinator.getHeldLeases().keys()].sort();
        const owned = [...owners]
          .filter(([, o]) => o === w.id)
          .map(([k]) => k)
          .sort();
        return held.join() === owned.join();
      });
    },
    timeoutMs,
    50,
  );
}
