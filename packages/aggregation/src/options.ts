import { InvalidOptionError, rejectUnknownOptions } from '@kinesis-kit/commons';

/** Limits of one {@link RecordAggregator}; the defaults are the KPL's. */
export interface RecordAggregatorOptions {
  /**
   * Most user records in one Kinesis record (the KPL's `AggregationMaxCount`).
   * @default 4294967295
   */
  maxCount?: number;
  /**
   * Most bytes of an aggregated Kinesis record's data: magic + protobuf + MD5 (the KPL's `AggregationMaxSize`).
   * A lone user record larger than this still goes out by itself, unaggregated, as in the KPL.
   * @default 51200
   */
  maxBytes?: number;
  /**
   * The stream's record size limit: data plus partition key (UTF-8). No record built ever exceeds it. Raise it only
   * for streams configured for larger records.
   * @default 1048576
   */
  maxRecordBytes?: number;
}

/** The defaults of {@link RecordAggregatorOptions}. */
export const DEFAULT_RECORD_AGGREGATOR_OPTIONS: Readonly<Required<RecordAggregatorOptions>> = Object.freeze({
  maxCount: 4_294_967_295,
  maxBytes: 51_200,
  maxRecordBytes: 1_048_576,
});

const RECORD_AGGREGATOR_OPTION_KEYS = Object.keys({
  maxCount: true,
  maxBytes: true,
  maxRecordBytes: true,
} satisfies Record<keyof RecordAggregatorOptions, true>);

/** Smallest `maxBytes`/`maxRecordBytes` accepted (the KPL's minimum `AggregationMaxSize`). */
const MIN_BYTES = 64;
/** Largest accepted: what one Uint8Array can reasonably hold here. */
const MAX_BYTES = 2 ** 31 - 1;

/** Merges `options` over the defaults and validates eagerly; throws `InvalidOptionError`. */
export function resolveRecordAggregatorOptions(
  options: RecordAggregatorOptions = {},
): Readonly<Required<RecordAggregatorOptions>> {
  rejectUnknownOptions(options, RECORD_AGGREGATOR_OPTION_KEYS);
  const resolved = { ...DEFAULT_RECORD_AGGREGATOR_OPTIONS, ...withoutUndefined(options) };
  checkInteger('maxCount', resolved.maxCount, 1, 4_294_967_295);
  checkInteger('maxBytes', resolved.maxBytes, MIN_BYTES, MAX_BYTES);
  checkInteger('maxRecordBytes', resolved.maxRecordBytes, MIN_BYTES, MAX_BYTES);
  return Object.freeze(resolved);
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer in ${min} … ${max}`, value);
  }
}

function withoutUndefined(options: RecordAggregatorOptions): RecordAggregatorOptions {
  const out: RecordAggregatorOptions = {};
  if (options.maxCount !== undefined) out.maxCount = options.maxCount;
  if (options.maxBytes !== undefined) out.maxBytes = options.maxBytes;
  if (options.maxRecordBytes !== undefined) out.maxRecordBytes = options.maxRecordBytes;
  return out;
}
