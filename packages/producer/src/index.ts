// The public surface of @kinesis-kit/producer: everything an application that writes to a stream uses. Stable as
// docs/releasing.md says; the pipeline's parts (collector, aggregator pool, rate limiter, retrier) are internal.

export type {
  Failure,
  MetricsOptions,
  ProducerTracing,
  SendSpan,
  SendSpanInfo,
  SendSpanOutcome,
} from '@kinesis-kit/commons';
export {
  classifyAwsError as classifyRequestError,
  classifyEntryError,
  emfSink,
  FailureKind,
  InvalidOptionError,
  isRetriable,
  KinesisKitError,
  MetricsGranularity,
  MetricsLevel,
} from '@kinesis-kit/commons';
export type { RecordSummary } from './errors.js';
export {
  ProducerClosedError,
  ProducerConfigurationError,
  PutRecordError,
  RecordExpiredError,
  RecordRejectedError,
  RecordThrottledError,
  summarizeRecord,
  ValidationError,
  ValidationErrorReason,
} from './errors.js';
export type { ProducerEvents } from './events.js';
export type { CloseOptions } from './KinesisProducer.js';
export { KinesisProducer, ProducerState } from './KinesisProducer.js';
export type { ProducerMetricsSnapshot, StatSnapshot } from './metrics/ProducerMetrics.js';
export { ProducerMetric } from './metrics/producerMetricDefinitions.js';
export type { ProducerOptions, ProducerSettings, ProducerStream } from './options.js';
export { DEFAULT_PRODUCER_OPTIONS } from './options.js';
export type { PutOutcome } from './PutBatch.js';
export type { Attempt, ProducerRecord, PutResult } from './types.js';
export { validateRecord } from './validation/validateRecord.js';
