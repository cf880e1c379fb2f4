import type { BatchTracing } from '@kinesis-kit/commons';
import type { ShardBatch } from './shardBatches.js';
import type { KinesisUserRecord, LambdaContext } from './types.js';

/**
 * Runs `run` over a shard batch's user records, inside the tracer's span when tracing is configured (the tracer may
 * hand `run` the records without their trace-context envelope: same order, same length).
 */
export function traceShardBatch<T>(
  tracing: BatchTracing | undefined,
  batch: ShardBatch,
  records: readonly KinesisUserRecord[],
  lambdaContext: LambdaContext | undefined,
  run: (records: readonly KinesisUserRecord[]) => Promise<T>,
): Promise<T> {
  if (tracing === undefined) return run(records);
  const arn = batch.eventSourceARN;
  const at = arn.lastIndexOf('stream/');
  return tracing.traceBatch(
    {
      streamName: at < 0 ? undefined : arn.slice(at + 'stream/'.length),
      shardId: batch.shardId,
      consumerGroup: process.env.AWS_LAMBDA_FUNCTION_NAME,
      clientId: lambdaContext?.awsRequestId,
      records,
      detached: false,
    },
    run,
  );
}
