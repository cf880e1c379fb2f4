import type { Logger } from '@kinesis-kit/commons';
import type { DeaggregatedShard } from './deaggregateShard.js';
import { FullBatchFailureError } from './errors.js';
import type { ShardBatch } from './shardBatches.js';
import type { BatchItemFailure, KinesisBatchResponse } from './types.js';

/** What one shard batch gave, ready to be reported. */
export interface ShardOutcome {
  batch: ShardBatch;
  shard: DeaggregatedShard;
  /** Index into `shard.records` of the first user record that did not succeed; -1 when all did. */
  firstUnsuccessful: number;
  succeeded: number;
  /** Failures (handler errors, a failed batch, a corrupt aggregate in strict mode), not timeouts. */
  failed: number;
  errors: unknown[];
}

/**
 * The Kinesis record (position in the shard batch) to retry from: the parent of the first unsuccessful user record,
 * or the corrupt aggregate in strict mode; undefined when the whole shard batch succeeded.
 */
export function retryFrom(outcome: ShardOutcome): number | undefined {
  const { shard, firstUnsuccessful } = outcome;
  if (firstUnsuccessful >= 0) return shard.parents[firstUnsuccessful];
  return shard.corrupt?.parent;
}

/**
 * Builds the partial batch response: one item per shard, the sequence number of the Kinesis record Lambda must
 * retry from (Lambda checkpoints at Kinesis record granularity and retries from the lowest reported one). Throws
 * {@link FullBatchFailureError} when asked and nothing succeeded.
 */
export function batchResponse(
  outcomes: readonly ShardOutcome[],
  throwOnFullBatchFailure: boolean,
  logger: Logger,
): KinesisBatchResponse {
  const batchItemFailures: BatchItemFailure[] = [];
  let succeeded = 0;
  let failed = 0;
  const errors: unknown[] = [];
  for (const outcome of outcomes) {
    succeeded += outcome.succeeded;
    failed += outcome.failed;
    for (const error of outcome.errors) errors.push(error);
    const parent = retryFrom(outcome);
    if (parent === undefined) continue;
    const eventRecord = outcome.batch.records[parent]!;
    batchItemFailures.push({ itemIdentifier: eventRecord.kinesis.sequenceNumber });
    logger.info(
      {
        shardId: outcome.batch.shardId,
        sequenceNumber: eventRecord.kinesis.sequenceNumber,
        retriedKinesisRecords: outcome.batch.records.length - parent,
        failedUserRecords: outcome.failed,
      },
      'reporting a batch item failure',
    );
  }
  if (throwOnFullBatchFailure && failed > 0 && succeeded === 0) throw new FullBatchFailureError(errors);
  return { batchItemFailures };
}
