import type { BatchTracing, Logger } from '@kinesis-kit/commons';
import type { ConsumerRecord } from '../fetch/RecordsFetcher.js';
import type { ProcessRecordsInput, RecordProcessor, RecordProcessorFactory } from '../processor/RecordProcessor.js';

/** Who processes, for the spans. */
export interface TracedConsumer {
  streamName: string | undefined;
  applicationName: string;
  workerId: string;
}

/**
 * Wraps each processor so every `processRecords` call (each attempt of a batch) runs inside the tracer's span; the
 * tracer may hand the processor the records with their trace-context envelope removed. Other methods pass through.
 */
export function tracedProcessorFactory(
  factory: RecordProcessorFactory,
  tracing: BatchTracing,
  consumer: TracedConsumer,
  logger: Logger,
): RecordProcessorFactory {
  return () => {
    const processor = factory();
    const processRecords = (input: ProcessRecordsInput) => processor.processRecords(input);
    // Delegates bound to the processor (its methods may use private fields); absent methods stay absent.
    const traced: RecordProcessor = { processRecords };
    if (processor.initialize !== undefined) traced.initialize = (input) => processor.initialize?.(input);
    if (processor.leaseLost !== undefined) traced.leaseLost = (input) => processor.leaseLost?.(input);
    if (processor.shardEnded !== undefined) traced.shardEnded = (input) => processor.shardEnded?.(input);
    if (processor.shutdownRequested !== undefined)
      traced.shutdownRequested = (input) => processor.shutdownRequested?.(input);
    traced.processRecords = (input: ProcessRecordsInput) => {
      const info = {
        streamName: consumer.streamName,
        shardId: input.shardId,
        consumerGroup: consumer.applicationName,
        clientId: consumer.workerId,
        records: input.records,
        detached: true,
      };
      let run: Promise<unknown>;
      try {
        run = tracing.traceBatch(info, async (records: readonly ConsumerRecord[]) =>
          processRecords(records === input.records ? input : { ...input, records }),
        );
      } catch (error) {
        logger.warn({ err: error }, 'the tracer threw; processing this batch untraced');
        return processRecords(input);
      }
      return run as Promise<void>;
    };
    return traced;
  };
}
