import { AggregationFormatError, deaggregate } from '@kinesis-kit/aggregation';
import type { Logger } from '@kinesis-kit/commons';
import type { KinesisEventRecord, KinesisUserRecord } from './types.js';

/** A shard batch's user records, each tied to the position of its Kinesis record in the batch. */
export interface DeaggregatedShard {
  /** User records in sequence order. */
  records: KinesisUserRecord[];
  /** `parents[i]`: index of `records[i]`'s Kinesis record in the batch. Non-decreasing. */
  parents: number[];
  /**
   * In strict mode, the first Kinesis record that failed to deaggregate: `records` stops before it (nothing after
   * it is processed, as with any failure) and it is reported.
   */
  corrupt: { parent: number; error: AggregationFormatError } | undefined;
}

/**
 * Deaggregates every Kinesis record of one shard batch. Non-strict: a corrupt aggregate is passed through raw as
 * one record (logged). Strict: stops at the first corrupt aggregate.
 */
export function deaggregateShard(
  eventRecords: readonly KinesisEventRecord[],
  strict: boolean,
  verifyChecksum: boolean,
  logger: Logger,
): DeaggregatedShard {
  const records: KinesisUserRecord[] = [];
  const parents: number[] = [];
  const options = { strict, computeChecksum: verifyChecksum };
  for (let parent = 0; parent < eventRecords.length; parent++) {
    const eventRecord = eventRecords[parent]!;
    let result: ReturnType<typeof deaggregate>;
    try {
      result = deaggregate(eventRecord, options);
    } catch (error) {
      if (!(error instanceof AggregationFormatError)) throw error;
      logger.error(
        { err: error, sequenceNumber: eventRecord.kinesis.sequenceNumber },
        'corrupt aggregated record: reporting it as failed (strictDeaggregation)',
      );
      return { records, parents, corrupt: { parent, error } };
    }
    if (result.formatError !== undefined) {
      logger.warn(
        { err: result.formatError, sequenceNumber: eventRecord.kinesis.sequenceNumber },
        'corrupt aggregated record: passing it to the handler whole, as one record',
      );
    }
    for (const record of result.records) {
      // The deaggregated object is ours: extend it in place rather than copying (one object per user record).
      const userRecord = record as KinesisUserRecord;
      userRecord.eventRecord = eventRecord;
      records.push(userRecord);
      parents.push(parent);
    }
  }
  return { records, parents, corrupt: undefined };
}
