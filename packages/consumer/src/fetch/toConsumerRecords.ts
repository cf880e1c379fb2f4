import type { _Record } from '@aws-sdk/client-kinesis';
import { type AggregationFormatError, deaggregateAll, type HashKeyRange } from '@kinesis-kit/aggregation';
import { compareExtendedSequenceNumbers } from '../sequence/ExtendedSequenceNumber.js';
import type { ConsumerRecord } from './RecordsFetcher.js';

/**
 * Turns one GetRecords page into user records: deaggregates KPL aggregates (dropping user records outside the
 * shard's hash key range, as the KCL does after resharding; a corrupt aggregate passes through raw, as in the KCL)
 * and, right after a restart from a checkpoint, drops the user records at or before `skipUpTo`.
 */
export function toConsumerRecords(
  sdkRecords: readonly _Record[],
  hashKeyRange: HashKeyRange | undefined,
  skipUpTo: { sequenceNumber: string; subSequenceNumber: number } | undefined,
): { records: ConsumerRecord[]; discardedByHashKeyRange: number; formatErrors: AggregationFormatError[] } {
  const result = deaggregateAll(sdkRecords, hashKeyRange === undefined ? undefined : { hashKeyRange });
  let records = result.records;
  if (skipUpTo !== undefined)
    records = records.filter((record) => compareExtendedSequenceNumbers(record, skipUpTo) > 0);
  return { records, discardedByHashKeyRange: result.discardedByHashKeyRange, formatErrors: result.formatErrors };
}
