// The public surface of @kinesis-kit/aggregation: the KPL aggregated record format, both directions.

export {
  AGGREGATE_PARTITION_KEY,
  AGGREGATION_OVERHEAD_BYTES,
  DIGEST_BYTES,
  KPL_MAGIC,
  MAX_HASH_KEY,
} from './constants.js';
export type { DeaggregatedRecord, DeaggregateOptions, DeaggregateResult } from './deaggregate.js';
export { deaggregate } from './deaggregate.js';
export type { DeaggregateAllResult } from './deaggregateAll.js';
export { deaggregateAll } from './deaggregateAll.js';
export {
  AggregationFormatError,
  AggregationFormatErrorReason,
  EmptyAggregatorError,
  InvalidHashKeyError,
  RecordDoesNotFitError,
} from './errors.js';
export type { HashKeyRange } from './hashKey.js';
export {
  effectiveHashKey,
  isInHashKeyRange,
  isValidExplicitHashKey,
  parseExplicitHashKey,
  parseHashKeyRange,
  partitionKeyHash,
} from './hashKey.js';
export type { RecordAggregatorOptions } from './options.js';
export { DEFAULT_RECORD_AGGREGATOR_OPTIONS } from './options.js';
export type { AggregatedKinesisRecord } from './RecordAggregator.js';
export { RecordAggregator } from './RecordAggregator.js';
export type {
  KinesisRecordInput,
  LambdaKinesisEventRecord,
  PlainKinesisRecord,
  SdkKinesisRecord,
} from './recordShapes.js';
export type { PartitionKeySlot, UserRecord, UserRecordTag } from './UserRecord.js';
