// The public surface of @kinesis-kit/consumer: what a worker author uses. Stable as docs/releasing.md says. The
// lease layer on its own is `@kinesis-kit/consumer/leases` (./leases.ts); fetchers, runners and the scheduler are
// internal.

export type { BatchSpanInfo, BatchTracing, MetricsOptions, TracedRecord } from '@kinesis-kit/commons';
export {
  emfSink,
  InvalidOptionError,
  isRetriable,
  isRetriableAwsError,
  KinesisKitError,
  MetricsGranularity,
  MetricsLevel,
} from '@kinesis-kit/commons';
// --- processors and checkpoints ---
export type { CheckpointTarget, PreparedCheckpointer, RecordCheckpointer } from './checkpoint/RecordCheckpointer.js';
// --- errors (docs/errors.md) ---
export {
  ConsumerError,
  ConsumerStateError,
  InvalidCheckpointError,
  LeaseLostError,
  LeaseTableError,
  LeaseTableMismatchError,
  ShardSyncError,
  StartingPositionError,
  StreamConsumerRegistrationError,
  StreamMismatchError,
  SubscriptionStalledError,
} from './errors.js';
// --- events and metrics ---
export type { ConsumerEvents, StreamTag } from './events.js';
export { ProcessorErrorAction } from './events.js';
// --- retrieval: polling or enhanced fan-out (docs/consumer.md "Retrieval") ---
export type {
  DeregisterStreamConsumerOptions,
  RegisterStreamConsumerOptions,
  StreamConsumerTarget,
} from './fanOut/streamConsumer.js';
export { deregisterStreamConsumer, registerStreamConsumer } from './fanOut/streamConsumer.js';
export type { FanOutRetrievalOptions, RetrievalOption } from './fetch/fanOut/retrievalOptions.js';
export { DEFAULT_FANOUT_RETRIEVAL_OPTIONS, RetrievalMode } from './fetch/fanOut/retrievalOptions.js';
export type { ConsumerRecord } from './fetch/RecordsFetcher.js';
// --- the worker (docs/consumer.md) ---
export { ConsumerState, KinesisConsumer } from './KinesisConsumer.js';
export { LeaseLostReason } from './lease/LeaseRenewer.js';
export type { LeaseOptions } from './lease/leaseCoordinatorOptions.js';
export type { ConsumerMetricsSnapshot, ShardMetrics } from './metrics/ConsumerMetrics.js';
export { ConsumerMetric, Operation as MetricsOperation } from './observability/consumerMetricDefinitions.js';
export type {
  ConsumerHandler,
  ConsumerStream,
  ConsumerStreams,
  InitialPositionOption,
  KinesisConsumerOptions,
  KinesisConsumerSettings,
} from './options.js';
export { DEFAULT_KINESIS_CONSUMER_OPTIONS } from './options.js';
export type {
  AutoCheckpointOptions,
  EachBatchHandler,
  EachBatchPayload,
  EachRecordContext,
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
// --- sequence numbers and checkpoint sentinels ---
export type { ExtendedSequenceNumber } from './sequence/ExtendedSequenceNumber.js';
export {
  AT_TIMESTAMP,
  compareExtendedSequenceNumbers,
  isSentinelCheckpoint,
  isShardEnd,
  LATEST,
  SentinelCheckpoint,
  SHARD_END,
  TRIM_HORIZON,
} from './sequence/ExtendedSequenceNumber.js';
// --- several streams through one application (docs/consumer.md "Several streams") ---
export type { FormerStreamLeaseDeletion, StreamConfig, StreamTracker } from './shardSync/MultiStreamSync.js';
