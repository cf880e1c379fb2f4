import { type Clock, sleep } from '@kinesis-kit/commons';
import {
  type ConsumerHandler,
  type ConsumerRecord,
  InvalidCheckpointError,
  type KinesisConsumerSettings,
  LeaseLostError,
  type RecordCheckpointer,
  type RecordProcessor,
} from '@kinesis-kit/consumer';
import type { Attempt, ProcessorVariant } from '../checker/RunLog.js';
import type { DeliveryLog } from './DeliveryLog.js';

/** What a processor call should suffer now (the fault schedule decides; nothing after the fault phase). */
export interface ProcessorTrouble {
  /** Whether user code throws now (a transient failure of its own work). */
  throwNow(worker: string, where: 'record' | 'batch' | 'factory' | 'initialize'): boolean;
  /** How long user work takes now, in ms of the worker's clock (0 most of the time). */
  workMs(worker: string, unit: 'record' | 'batch'): number;
}

export interface ProcessorContext {
  readonly worker: string;
  readonly variant: ProcessorVariant;
  readonly onProcessorError: 'retry' | 'skip';
  readonly everyRecords: number | undefined;
  readonly clock: Clock;
  readonly log: DeliveryLog;
  readonly trouble: ProcessorTrouble;
  /** The checker's key of a shard (several streams: the lease key `streamId:shardId`). */
  readonly keyOf: (shardId: string, streamName: string | undefined) => string;
}

/** A transient failure of the user's own work. */
export class SimProcessorError extends Error {
  override readonly name = 'SimProcessorError';
}

type HandlerOptions = ConsumerHandler & Pick<KinesisConsumerSettings, 'autoCheckpoint'>;

/** The consumer options that install the worker's processor variant. */
export function processorOptions(ctx: ProcessorContext): HandlerOptions {
  switch (ctx.variant) {
    case 'eachRecord':
      return {
        eachRecord: async (record, { shardId, streamName }) => {
          const key = ctx.keyOf(shardId, streamName);
          const attempt = ctx.log.beginAttempt(ctx.worker, key, ctx.variant, ctx.onProcessorError, [record]);
          await work(ctx, 'record');
          if (ctx.trouble.throwNow(ctx.worker, 'record')) fail(ctx, attempt, 0);
          ctx.log.succeeded(attempt.deliveries[0]!);
        },
        autoCheckpoint: ctx.everyRecords === undefined ? {} : { everyRecords: ctx.everyRecords },
      };
    case 'eachBatch':
      return {
        eachBatch: async ({ shardId, streamName, records }) => {
          const key = ctx.keyOf(shardId, streamName);
          const attempt = ctx.log.beginAttempt(ctx.worker, key, ctx.variant, ctx.onProcessorError, records);
          await work(ctx, 'batch');
          if (ctx.trouble.throwNow(ctx.worker, 'batch')) fail(ctx, attempt, undefined);
          for (const d of attempt.deliveries) ctx.log.succeeded(d);
        },
        autoCheckpoint: ctx.everyRecords === undefined ? {} : { everyRecords: ctx.everyRecords },
      };
    default:
      return { processor: () => createProcessor(ctx) };
  }
}

/** The KCL-shaped variants: a processor per lease, checkpointing by itself. */
function createProcessor(ctx: ProcessorContext): RecordProcessor {
  if (ctx.trouble.throwNow(ctx.worker, 'factory')) throw new SimProcessorError('processor factory failed');
  const checkpointNow = (checkpointer: RecordCheckpointer) =>
    ctx.variant === 'retryThrottledCheckpoint' ? checkpointRetrying(ctx, checkpointer) : checkpointer.checkpoint();
  return {
    initialize: () => {
      if (ctx.trouble.throwNow(ctx.worker, 'initialize')) throw new SimProcessorError('initialize failed');
    },
    processRecords: async ({ shardId, streamName, records, checkpointer }) => {
      const key = ctx.keyOf(shardId, streamName);
      const attempt = ctx.log.beginAttempt(ctx.worker, key, ctx.variant, ctx.onProcessorError, records);
      try {
        await processAndCheckpoint(ctx, attempt, records, checkpointer, checkpointNow);
      } catch (error) {
        // A checkpoint that failed fails the call too: the runner retries (or skips) the batch either way.
        if (attempt.threw === undefined) ctx.log.threw(attempt, undefined);
        throw error;
      }
    },
    shardEnded: ({ checkpointer }) => checkpointer.checkpoint(),
    shutdownRequested: ({ checkpointer }) => checkpointNow(checkpointer),
  };
}

async function processAndCheckpoint(
  ctx: ProcessorContext,
  attempt: Attempt,
  records: readonly ConsumerRecord[],
  checkpointer: RecordCheckpointer,
  checkpointNow: (checkpointer: RecordCheckpointer) => Promise<void>,
): Promise<void> {
  if (ctx.variant === 'kclPerRecord') {
    // Processes and checkpoints record by record, as many KCL applications do.
    for (let i = 0; i < records.length; i++) {
      await work(ctx, 'record');
      if (ctx.trouble.throwNow(ctx.worker, 'record')) fail(ctx, attempt, i);
      ctx.log.succeeded(attempt.deliveries[i]!);
      await checkpointer.checkpoint(records[i]!);
    }
    return;
  }
  await work(ctx, 'batch');
  if (ctx.trouble.throwNow(ctx.worker, 'batch')) fail(ctx, attempt, undefined);
  for (const d of attempt.deliveries) ctx.log.succeeded(d);
  if (ctx.variant === 'prepareThenCommit') {
    const prepared = await checkpointer.prepareCheckpoint();
    await prepared.checkpoint();
  } else {
    await checkpointNow(checkpointer);
  }
}

/** The KCL habit: a checkpoint that failed for a transient reason (throttling) is simply called again. */
async function checkpointRetrying(ctx: ProcessorContext, checkpointer: RecordCheckpointer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await checkpointer.checkpoint();
      return;
    } catch (error) {
      if (error instanceof LeaseLostError || error instanceof InvalidCheckpointError || attempt >= 3) throw error;
      await sleep(100 * attempt, undefined, ctx.clock);
    }
  }
}

async function work(ctx: ProcessorContext, unit: 'record' | 'batch'): Promise<void> {
  const ms = ctx.trouble.workMs(ctx.worker, unit);
  if (ms > 0) await sleep(ms, undefined, ctx.clock);
}

function fail(ctx: ProcessorContext, attempt: Attempt, index: number | undefined): never {
  ctx.log.threw(attempt, index === undefined ? undefined : attempt.deliveries[index]);
  throw new SimProcessorError(`processing failed on ${attempt.shardId}`);
}
