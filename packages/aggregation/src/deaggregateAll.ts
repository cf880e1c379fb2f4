import {
  checkDeaggregateOptions,
  type DeaggregatedRecord,
  type DeaggregateOptions,
  deaggregateInto,
} from './deaggregate.js';
import type { AggregationFormatError } from './errors.js';
import { type KinesisRecordInput, newNormalizedRecord, normalizeRecord } from './recordShapes.js';

/** What {@link deaggregateAll} returns. */
export interface DeaggregateAllResult {
  /** User records of all input records, in order. */
  records: DeaggregatedRecord[];
  /** User records left out because of `hashKeyRange` (= `discarded.length`). */
  discardedByHashKeyRange: number;
  discarded: DeaggregatedRecord[];
  /** One per corrupt aggregate passed through raw (non-strict mode); each names its `sequenceNumber`. */
  formatErrors: AggregationFormatError[];
}

/** {@link deaggregate} over a batch (a GetRecords page, a Lambda event's `Records`), into one array. */
export function deaggregateAll(
  records: Iterable<KinesisRecordInput>,
  options: DeaggregateOptions = {},
): DeaggregateAllResult {
  checkDeaggregateOptions(options);
  const out: DeaggregatedRecord[] = [];
  const discarded: DeaggregatedRecord[] = [];
  const formatErrors: AggregationFormatError[] = [];
  const scratch = newNormalizedRecord();
  const { hashKeyRange } = options;
  const strict = options.strict === true;
  const computeChecksum = options.computeChecksum !== false;
  for (const record of records) {
    const error = deaggregateInto(
      normalizeRecord(record, scratch),
      out,
      discarded,
      hashKeyRange,
      strict,
      computeChecksum,
    );
    if (error !== undefined) formatErrors.push(error);
  }
  return { records: out, discardedByHashKeyRange: discarded.length, discarded, formatErrors };
}
