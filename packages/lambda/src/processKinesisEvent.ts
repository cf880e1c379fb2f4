import { batchResponse, type ShardOutcome } from './batchResponse.js';
import { deaggregateShard } from './deaggregateShard.js';
import { type KinesisRecordOptions, resolveKinesisRecordOptions } from './options.js';
import { runRecords } from './runRecords.js';
import { shardBatches } from './shardBatches.js';
import { traceShardBatch } from './traceShardBatch.js';
import type { KinesisBatchResponse, KinesisEvent, KinesisRecordHandler, LambdaContext } from './types.js';

/**
 * Processes a Lambda Kinesis event one user record at a time: deaggregates KPL records, calls `handler` per user
 * record in sequence order, and returns the partial batch response for `ReportBatchItemFailures`. On a failure the
 * shard's later records are not processed (unless `continueOnFailure: 'other-partition-keys'`), and the failed
 * user record's **Kinesis record** is reported: Lambda retries it and everything after it.
 *
 * Validates `options` eagerly; to validate once at cold start, use {@link kinesisHandler}.
 */
export async function processKinesisEvent(
  event: KinesisEvent,
  handler: KinesisRecordHandler,
  options: KinesisRecordOptions = {},
  lambdaContext?: LambdaContext,
): Promise<KinesisBatchResponse> {
  return processWithResolved(event, handler, resolveKinesisRecordOptions(options), lambdaContext);
}

/** @internal processKinesisEvent with options resolved once (the wrapper's path). */
export async function processWithResolved(
  event: KinesisEvent,
  handler: KinesisRecordHandler,
  options: ReturnType<typeof resolveKinesisRecordOptions>,
  lambdaContext: LambdaContext | undefined,
): Promise<KinesisBatchResponse> {
  const logger = options.logger.child({ component: 'processKinesisEvent' });
  const batches = shardBatches(event);
  const run = async (batch: (typeof batches)[number]): Promise<ShardOutcome> => {
    const shard = deaggregateShard(batch.records, options.strictDeaggregation, options.verifyChecksum, logger);
    const context = { eventSourceARN: batch.eventSourceARN, shardId: batch.shardId, lambdaContext };
    const run = await traceShardBatch(options.tracing, batch, shard.records, lambdaContext, (records) =>
      runRecords(records, handler, context, options, logger),
    );
    const failed = run.errors.length + (shard.corrupt === undefined ? 0 : 1);
    const errors = shard.corrupt === undefined ? run.errors : [...run.errors, shard.corrupt.error];
    return { batch, shard, firstUnsuccessful: run.firstUnsuccessful, succeeded: run.succeeded, failed, errors };
  };
  const outcomes = batches.length === 1 ? [await run(batches[0]!)] : await Promise.all(batches.map(run));
  return batchResponse(outcomes, options.throwOnFullBatchFailure, logger);
}
