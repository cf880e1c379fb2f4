// The public surface of @kinesis-kit/consumer.

export type { BatchSpanInfo, BatchTracing, MetricsOptions, TracedRecord } from '@kinesis-kit/commons';
export { emfSink, isRetriableAwsError, MetricsGranularity, MetricsLevel } from '@kinesis-kit/commons';
// --- lease layer (docs/leases.md) ---
export {
  ConsumerError,
  LeaseLostError,
  LeaseTableError,
  LeaseTableMismatchError,
  ShardSyncError,
  StartingPositionError,
  StreamMismatchError,
} from './errors.js';
export { DynamoDBLeaseTable } from './lease/DynamoDBLeaseTable.js';
export type { Lease, LeaseHandoff, LeaseHashKeyRange } from './lease/Lease.js';
export { newLease } from './lease/Lease.js';
export { LeaseCoordinator } from './lease/LeaseCoordinator.js';
export type { LeaseCoordinatorEvents } from './lease/LeaseCoordinatorEvents.js';
export type { RenewResult } from './lease/LeaseRenewer.js';
export { LeaseLostReason } from './lease/LeaseRenewer.js';
export type { CheckpointUpdate, LeaseTable } from './lease/LeaseTable.js';
export type { TakenLease, TakeResult } from './lease/LeaseTaker.js';
export type { LeaseCoordinatorOptions, ResolvedLeaseCoordinatorOptions } from './lease/leaseCoordinatorOptions.js';
export { DEFAULT_LEASE_COORDINATOR_OPTIONS, resolveLeaseCoordinatorOptions } from './lease/leaseCoordinatorOptions.js';
export type { LeaseItem } from './lease/leaseSerializer.js';
export { fromLeaseItem, LEASE_ENTITY_TYPE, LeaseAttribute, toLeaseItem } from './lease/leaseSerializer.js';
export type { DynamoDBLeaseTableOptions } from './lease/leaseTableOptions.js';
export { DEFAULT_DYNAMODB_LEASE_TABLE_OPTIONS, LeaseTableBillingMode } from './lease/leaseTableOptions.js';
export type { ExtendedSequenceNumber } from './sequence/ExtendedSequenceNumber.js';
export {
  AT_TIMESTAMP,
  compareExtendedSequenceNumbers,
  extendedSequenceNumber,
  isSentinelCheckpoint,
  isShardEnd,
  isValidExtendedSequenceNumber,
  LATEST,
  SentinelCheckpoint,
  SHARD_END,
  TRIM_HORIZON,
} from './sequence/ExtendedSequenceNumber.js';
export type { LeasePlan } from './shardSync/ShardGraph.js';
export { InitialPosition, planLeases } from './shardSync/ShardGraph.js';
export type { ChildShardInfo, ShardSyncerOptions, SyncResult } from './shardSync/ShardSyncer.js';
export { ShardSyncer } from './shardSync/ShardSyncer.js';
// --- end lease layer ---

// --- worker (docs/consumer.md) ---
export type { CheckpointTarget, PreparedCheckpointer, RecordCheckpointer } from './checkpoint/RecordCheckpointer.js';
export { ConsumerStateError, FetcherClosedError, InvalidCheckpointError } from './errors.js';
export type { ConsumerEvents } from './events.js';
export { ProcessorErrorAction } from './events.js';
export type { PollingFetcherOptions } from './fetch/PollingFetcher.js';
export { PollingFetcher } from './fetch/PollingFetcher.js';
export type {
  ConsumerRecord,
  FetcherStart,
  FetchResult,
  RecordsFetcher,
  RecordsFetcherFactory,
} from './fetch/RecordsFetcher.js';
export { ConsumerState, KinesisConsumer } from './KinesisConsumer.js';
export type { ConsumerMetricsSnapshot, ShardMetrics } from './metrics/ConsumerMetrics.js';
export { ConsumerMetric, Operation as MetricsOperation } from './observability/consumerMetricDefinitions.js';
export type {
  InitialPositionOption,
  KinesisConsumerOptions,
  ResolvedKinesisConsumerOptions,
} from './options.js';
export { DEFAULT_KINESIS_CONSUMER_OPTIONS, resolveKinesisConsumerOptions } from './options.js';
export type {
  AutoCheckpointOptions,
  EachBatchHandler,
  EachBatchPayload,
  EachRecordHandler,
} from './processor/HandlerProcessor.js';
export type {
  InitializeInput,
  LeaseLostInput,
  Position,
  ProcessRecordsInput,
  RecordProcessor,
  RecordProcessorFactory,
  ShardEndedInput,
  ShutdownRequestedInput,
} from './processor/RecordProcessor.js';
export { ShardRunnerState, ShutdownReason } from './runner/states.js';
// --- end worker ---

// --- enhanced fan-out (docs/consumer.md "Retrieval") ---
export { StreamConsumerRegistrationError, SubscriptionStalledError } from './errors.js';
export type {
  DeregisterStreamConsumerOptions,
  RegisterStreamConsumerOptions,
  StreamConsumerTarget,
} from './fanOut/streamConsumer.js';
export { deregisterStreamConsumer, registerStreamConsumer } from './fanOut/streamConsumer.js';
export type { FanOutFetcherOptions } from './fetch/fanOut/FanOutFetcher.js';
export { FanOutFetcher } from './fetch/fanOut/FanOutFetcher.js';
export type {
  FanOutRetrievalOptions,
  ResolvedFanOutRetrieval,
  ResolvedRetrieval,
  RetrievalOption,
} from './fetch/fanOut/retrievalOptions.js';
export {
  DEFAULT_FANOUT_RETRIEVAL_OPTIONS,
  RetrievalMode,
  resolveRetrievalOption,
} from './fetch/fanOut/retrievalOptions.js';
// --- end enhanced fan-out ---
