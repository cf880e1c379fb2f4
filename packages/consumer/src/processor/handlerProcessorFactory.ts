import type { Logger, TypedEmitter } from '@kinesis-kit/commons';
import { type ConsumerEvents, ProcessorErrorAction } from '../events.js';
import type { ResolvedKinesisConsumerOptions } from '../options.js';
import { HandlerProcessor } from './HandlerProcessor.js';
import type { RecordProcessorFactory } from './RecordProcessor.js';

/**
 * The processor factory a consumer runs: the user's `processor`, or one that adapts `eachBatch` / `eachRecord`
 * (automatic checkpoints; with `eachRecord`, `skip` means that record, reported as each skipped batch is).
 */
export function processorFactoryOf(
  o: ResolvedKinesisConsumerOptions,
  logger: Logger,
  events: TypedEmitter<ConsumerEvents>,
): RecordProcessorFactory {
  if (o.processor !== undefined) return o.processor;
  const skipRecords = o.eachRecord !== undefined && o.onProcessorError === ProcessorErrorAction.SKIP;
  return () =>
    new HandlerProcessor({
      eachBatch: o.eachBatch,
      eachRecord: o.eachRecord,
      autoCheckpoint: o.autoCheckpoint,
      clock: o.clock,
      onCheckpointError: (error) => {
        logger.warn({ err: error }, 'automatic checkpoint failed; the next one covers it');
        events.emit('consumer.error', { error, context: 'auto_checkpoint' });
      },
      onSkippedRecord: skipRecords
        ? (error, record, shardId) => {
            const { sequenceNumber, subSequenceNumber } = record;
            logger.warn({ err: error, shardId, sequenceNumber, subSequenceNumber }, 'eachRecord threw; record skipped');
            events.emit('consumer.processor_error', {
              shardId,
              error,
              attempt: 1,
              action: ProcessorErrorAction.SKIP,
              recordCount: 1,
            });
          }
        : undefined,
    });
}
