// @kinesis-kit/consumer/leases: the lease layer on its own, for a worker that reads shards its own way, tools that
// read or repair a lease table, and tests. `KinesisConsumer` wires all of it. Its stability is stated in
// docs/releasing.md: the table format is held to the 1.0 rule already; these classes' APIs may change in a minor
// version before 1.0. The errors it throws are exported by the main entry.

export { BalanceMode } from './balancing/planBalance.js';
export type { WorkerLoadSample } from './balancing/workerLoad.js';
export { DynamoDBLeaseTable } from './lease/DynamoDBLeaseTable.js';
export { LeaseHandoffOutcome } from './lease/giveUpLease.js';
export type { Lease, LeaseHandoff, LeaseHashKeyRange } from './lease/Lease.js';
export { leaseShardId, multiStreamLeaseKey, newLease } from './lease/Lease.js';
export type { FencedWriteOptions } from './lease/LeaseCoordinator.js';
export { LeaseCoordinator } from './lease/LeaseCoordinator.js';
export type { LeaseCoordinatorEvents } from './lease/LeaseCoordinatorEvents.js';
export type { RenewResult } from './lease/LeaseRenewer.js';
export type { CheckpointUpdate, LeaseStats, LeaseTable, LeaseTableSnapshot } from './lease/LeaseTable.js';
export type { TakenLease, TakeResult } from './lease/LeaseTaker.js';
export type {
  LeaseCoordinatorOptions,
  ResolvedLeaseCoordinatorOptions,
  ResolvedLeaseOptions,
} from './lease/leaseCoordinatorOptions.js';
export { DEFAULT_LEASE_COORDINATOR_OPTIONS } from './lease/leaseCoordinatorOptions.js';
export type { LeaseItem } from './lease/leaseSerializer.js';
export { fromLeaseItem, LEASE_ENTITY_TYPE, LeaseAttribute, toLeaseItem } from './lease/leaseSerializer.js';
export type { DynamoDBLeaseTableOptions } from './lease/leaseTableOptions.js';
export { DEFAULT_DYNAMODB_LEASE_TABLE_OPTIONS, LeaseTableBillingMode } from './lease/leaseTableOptions.js';
export type { WorkerRecord, WorkerReport } from './lease/WorkerRecord.js';
export type { ChildLeases } from './shardSync/createChildLeases.js';
export type { MultiStreamSyncOptions } from './shardSync/MultiStreamSync.js';
export { MultiStreamSync } from './shardSync/MultiStreamSync.js';
export type { LeasePlan, PlanFields } from './shardSync/ShardGraph.js';
export { InitialPosition, planLeases } from './shardSync/ShardGraph.js';
export type { ShardSource } from './shardSync/ShardSource.js';
export type { ChildShardInfo, ShardSyncerOptions, SyncResult } from './shardSync/ShardSyncer.js';
export { ShardSyncer } from './shardSync/ShardSyncer.js';
export type { StreamIdentifier } from './shardSync/streamIdentifier.js';
export { parseStreamIdentifier, serializeStreamIdentifier } from './shardSync/streamIdentifier.js';
