// The public surface of @kinesis-kit/producer: everything an application that writes to a stream uses. Stable as
// docs/releasing.md says; the pipeline's parts (collector, aggregator pool, rate limiter, retrier) are internal.

export type { Failure } from '@kinesis-kit/commons';
export {
  classifyAwsError as classifyRequestError,
  classifyEntryError,
  FailureKind,
  InvalidOptionError,
  isRetriable,
  KinesisKitError,
} from '@kinesis-kit/commons';
export {
  ProducerClosedError,
  PutRecordError,
  RecordExpiredError,
  RecordRejectedError,
  RecordThrottledError,
  ValidationError,
  ValidationErrorReason,
} from './errors.js';
export type { ProducerEvents } from './events.js';
export type { CloseOptions } from './KinesisProducer.js';
export { KinesisProducer, ProducerState } from './KinesisProducer.js';
export type { ProducerMetricsSnapshot, StatSnapshot } from './metrics.js';
export type { ProducerOptions, ProducerSettings, ProducerStream } from './options.js';
export { DEFAULT_PRODUCER_OPTIONS } from './options.js';
export type { PutOutcome } from './PutBatch.js';
export type { Attempt, ProducerRecord, PutResult } from './types.js';
export { validateRecord } from './validation/validateRecord.js';
