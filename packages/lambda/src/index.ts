// The public surface of @kinesis-kit/lambda: Kinesis event sources and producers inside Lambda handlers.
export { InvalidOptionError, isRetriable, KinesisKitError } from '@kinesis-kit/commons';
export { FullBatchFailureError, InvalidBatchResultError, UnexpectedEventError } from './errors.js';
export type { FlushingProducerMiddleware } from './flushingProducerMiddleware.js';
export { flushingProducerMiddleware } from './flushingProducerMiddleware.js';
export type { KinesisLambdaHandler } from './kinesisHandler.js';
export { kinesisBatchHandler, kinesisHandler } from './kinesisHandler.js';
export type { KinesisBatchOptions, KinesisRecordOptions } from './options.js';
export { ContinueOnFailure, DEFAULT_KINESIS_RECORD_OPTIONS } from './options.js';
export { processKinesisEvent } from './processKinesisEvent.js';
export { processKinesisEventBatch } from './processKinesisEventBatch.js';
export type {
  BatchHandlerResult,
  BatchHandlerReturn,
  BatchItemFailure,
  KinesisBatchRecordsHandler,
  KinesisBatchResponse,
  KinesisEvent,
  KinesisEventPayload,
  KinesisEventRecord,
  KinesisRecordHandler,
  KinesisUserRecord,
  LambdaContext,
  ShardBatchContext,
} from './types.js';
export type { FlushableProducer, FlushableProducers } from './withFlushingProducer.js';
export { withFlushingProducer } from './withFlushingProducer.js';
