import {
  type KinesisBatchOptions,
  type KinesisRecordOptions,
  resolveKinesisBatchOptions,
  resolveKinesisRecordOptions,
} from './options.js';
import { processWithResolved } from './processKinesisEvent.js';
import { processBatchWithResolved } from './processKinesisEventBatch.js';
import type {
  KinesisBatchRecordsHandler,
  KinesisBatchResponse,
  KinesisEvent,
  KinesisRecordHandler,
  LambdaContext,
} from './types.js';

/** A Lambda handler for a Kinesis event source mapping with `ReportBatchItemFailures`. */
export type KinesisLambdaHandler = (event: KinesisEvent, context?: LambdaContext) => Promise<KinesisBatchResponse>;

/**
 * Builds a Lambda handler that runs `handler` per user record ({@link processKinesisEvent}). Options are validated
 * here, once, at cold start. Export the result as your handler (`export const handler = kinesisHandler(…)`).
 */
export function kinesisHandler(
  handler: KinesisRecordHandler,
  options: KinesisRecordOptions = {},
): KinesisLambdaHandler {
  const resolved = resolveKinesisRecordOptions(options);
  return (event, context) => processWithResolved(event, handler, resolved, context);
}

/**
 * Builds a Lambda handler that runs `handler` once per shard batch with every user record
 * ({@link processKinesisEventBatch}). Options are validated here, once.
 */
export function kinesisBatchHandler(
  handler: KinesisBatchRecordsHandler,
  options: KinesisBatchOptions = {},
): KinesisLambdaHandler {
  const resolved = resolveKinesisBatchOptions(options);
  return (event, context) => processBatchWithResolved(event, handler, resolved, context);
}
