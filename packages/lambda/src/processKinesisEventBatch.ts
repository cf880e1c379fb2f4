import { batchResponse, type ShardOutcome } from './batchResponse.js';
import { deaggregateShard } from './deaggregateShard.js';
import { InvalidBatchResultError } from './errors.js';
import { type KinesisBatchOptions, type ResolvedKinesisBatchOptions, resolveKinesisBatchOptions } from './options.js';
import { shardBatches } from './shardBatches.js';
import { traceShardBatch } from './traceShardBatch.js';
import type {
  BatchHandlerReturn,
  KinesisBatchRecordsHandler,
  KinesisBatchResponse,
  KinesisEvent,
  LambdaContext,
} from './types.js';

/**
 * Processes a Lambda Kinesis event one shard batch at a time: deaggregates KPL records and calls `handler` once
 * with every user record of the shard, in order. A throw fails the whole batch (its first Kinesis record is
 * reported); returning `{ firstFailedIndex }` reports the Kinesis record of that user record.
 */
export async function processKinesisEventBatch(
  event: KinesisEvent,
  handler: KinesisBatchRecordsHandler,
  options: KinesisBatchOptions = {},
  lambdaContext?: LambdaContext,
): Promise<KinesisBatchResponse> {
  return processBatchWithResolved(event, handler, resolveKinesisBatchOptions(options), lambdaContext);
}

/** @internal processKinesisEventBatch with options resolved once (the wrapper's path). */
export async function processBatchWithResolved(
  event: KinesisEvent,
  handler: KinesisBatchRecordsHandler,
  options: ResolvedKinesisBatchOptions,
  lambdaContext: LambdaContext | undefined,
): Promise<KinesisBatchResponse> {
  const logger = options.logger.child({ component: 'processKinesisEventBatch' });
  const batches = shardBatches(event);
  const run = async (batch: (typeof batches)[number]): Promise<ShardOutcome> => {
    const shard = deaggregateShard(batch.records, options.strictDeaggregation, options.verifyChecksum, logger);
    const count = shard.records.length;
    const outcome: ShardOutcome = { batch, shard, firstUnsuccessful: -1, succeeded: count, failed: 0, errors: [] };
    if (shard.corrupt !== undefined) {
      outcome.failed = 1;
      outcome.errors.push(shard.corrupt.error);
    }
    if (count === 0) return outcome;
    const margin = options.remainingTimeMarginMs;
    if (margin > 0 && lambdaContext !== undefined && lambdaContext.getRemainingTimeInMillis() < margin) {
      logger.warn('not starting the batch: too close to the Lambda timeout; it will be retried');
      return { ...outcome, firstUnsuccessful: 0, succeeded: 0 };
    }
    let result: BatchHandlerReturn;
    try {
      result = await traceShardBatch(options.tracing, batch, shard.records, lambdaContext, async (records) =>
        handler(records, { eventSourceARN: batch.eventSourceARN, shardId: batch.shardId, lambdaContext }),
      );
    } catch (error) {
      logger.warn({ err: error, shardId: batch.shardId }, 'batch failed; it is reported for retry');
      return {
        ...outcome,
        firstUnsuccessful: 0,
        succeeded: 0,
        failed: outcome.failed + 1,
        errors: [error, ...outcome.errors],
      };
    }
    const index = result?.firstFailedIndex;
    if (index === undefined) return outcome;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      throw new InvalidBatchResultError(index, count);
    }
    return { ...outcome, firstUnsuccessful: index, succeeded: index, failed: outcome.failed + 1 };
  };
  const outcomes = batches.length === 1 ? [await run(batches[0]!)] : await Promise.all(batches.map(run));
  return batchResponse(outcomes, options.throwOnFullBatchFailure, logger);
}
