import { hash } from 'node:crypto';
import { rejectUnknownOptions } from '@kinesis-kit/commons';
import { copyOut } from './base64Scratch.js';
import { AGGREGATION_OVERHEAD_BYTES, DIGEST_BYTES, KPL_MAGIC_UINT32 } from './constants.js';
import { decodeAggregate, decoded } from './decodeAggregate.js';
import { AggregationFormatError, AggregationFormatErrorReason } from './errors.js';
import { type HashKeyRange, isDecimalHashKey, partitionKeyHash } from './hashKey.js';
import {
  type KinesisRecordInput,
  type NormalizedRecord,
  newNormalizedRecord,
  normalizeRecord,
} from './recordShapes.js';
import type { UserRecordTag } from './UserRecord.js';

/** One user record out of a Kinesis record (aggregated or not). */
export interface DeaggregatedRecord {
  partitionKey: string;
  /** From the aggregate's explicit hash key table (or the input record's, if the input shape had one). */
  explicitHashKey?: string | undefined;
  /** A view into the input record's bytes (no copy); for base64 input (Lambda events), a copy of the decoded bytes. */
  data: Uint8Array;
  sequenceNumber: string;
  /** Position in the aggregate (0 for a record that was not aggregated). */
  subSequenceNumber: number;
  /** Shared by all user records of one Kinesis record. */
  approximateArrivalTimestamp?: Date | undefined;
  /** True when it came out of a KPL aggregate. */
  aggregated: boolean;
  /** `EncryptionType` of the Kinesis record, when the input shape carries it. */
  encryptionType?: string | undefined;
  /** Tags of the user record inside the aggregate, if any. */
  tags?: readonly UserRecordTag[] | undefined;
}

/** Options of {@link deaggregate} and {@link deaggregateAll}. */
export interface DeaggregateOptions {
  /**
   * The shard's hash key range. User records of an aggregate whose effective hash key (explicit hash key, else MD5
   * of the partition key) lies outside it are left out of `records` and reported in `discarded` — what the KCL does
   * after resharding. Records that were not aggregated are never filtered (Kinesis routed them itself).
   * @default undefined (no filtering)
   */
  hashKeyRange?: HashKeyRange | undefined;
  /**
   * Throw {@link AggregationFormatError} for a record that starts with the KPL magic but is not a valid aggregate.
   * When false, such a record is passed through whole as one non-aggregated record (as the KCL does) and the error
   * is reported in the result.
   * @default false
   */
  strict?: boolean | undefined;
  /**
   * Verify the MD5 trailer of aggregates (~1.45 ns per byte).
   * @default true
   */
  computeChecksum?: boolean | undefined;
}

/** What {@link deaggregate} returns. */
export interface DeaggregateResult {
  /** User records in order. */
  records: DeaggregatedRecord[];
  /** Number of user records left out because of `hashKeyRange` (= `discarded.length`). */
  discardedByHashKeyRange: number;
  /** The user records left out because of `hashKeyRange`. */
  discarded: DeaggregatedRecord[];
  /** Set when the record looked aggregated but was not valid, and was passed through raw (non-strict mode). */
  formatError: AggregationFormatError | undefined;
}

/**
 * Splits one Kinesis record into its user records. Accepts SDK v3 records (`Data`…), Lambda event records
 * (`{ kinesis: { data: base64, … } }`) and plain camel-case objects. A record that is not a KPL aggregate comes
 * back as one user record with sub-sequence number 0.
 */
export function deaggregate(record: KinesisRecordInput, options: DeaggregateOptions = NO_OPTIONS): DeaggregateResult {
  checkDeaggregateOptions(options);
  const records: DeaggregatedRecord[] = [];
  const discarded: DeaggregatedRecord[] = [];
  const formatError = deaggregateInto(
    normalizeRecord(record, scratch),
    records,
    discarded,
    options.hashKeyRange,
    options.strict === true,
    options.computeChecksum !== false,
  );
  return { records, discardedByHashKeyRange: discarded.length, discarded, formatError };
}

const DEAGGREGATE_OPTION_KEYS = Object.keys({
  hashKeyRange: true,
  strict: true,
  computeChecksum: true,
} satisfies Record<keyof DeaggregateOptions, true>);

/** The options objects already checked: deaggregate() runs per record, usually with one options object per batch. */
const checkedOptions = new WeakSet<object>();
const NO_OPTIONS: DeaggregateOptions = Object.freeze({});
checkedOptions.add(NO_OPTIONS);

/** @internal Throws `InvalidOptionError` for an unknown key (once per options object). */
export function checkDeaggregateOptions(options: DeaggregateOptions): void {
  if (checkedOptions.has(options)) return;
  rejectUnknownOptions(options, DEAGGREGATE_OPTION_KEYS);
  checkedOptions.add(options);
}

// deaggregate() is synchronous and never re-entered, so one scratch object serves every call.
const scratch: NormalizedRecord = newNormalizedRecord();

/**
 * Appends the user records of `input` to `out` (and those outside `range` to `discarded`). Returns the format error
 * of a corrupt aggregate that was passed through raw; throws it instead when `strict`.
 * @internal shared by deaggregate() and deaggregateAll().
 */
export function deaggregateInto(
  input: NormalizedRecord,
  out: DeaggregatedRecord[],
  discarded: DeaggregatedRecord[],
  range: HashKeyRange | undefined,
  strict: boolean,
  computeChecksum: boolean,
): AggregationFormatError | undefined {
  const data = input.data;
  // As the KCL: an aggregate needs the magic and more than the 16-byte digest after it.
  if (data.length <= AGGREGATION_OVERHEAD_BYTES || data.readUInt32BE(0) !== KPL_MAGIC_UINT32) {
    out.push(passThrough(input));
    return undefined;
  }
  const error = deaggregateAggregate(input, out, discarded, range, computeChecksum);
  if (error === undefined) return undefined;
  if (strict) throw error;
  out.push(passThrough(input));
  return error;
}

function deaggregateAggregate(
  input: NormalizedRecord,
  out: DeaggregatedRecord[],
  discarded: DeaggregatedRecord[],
  range: HashKeyRange | undefined,
  computeChecksum: boolean,
): AggregationFormatError | undefined {
  const data = input.data;
  const bodyEnd = data.length - DIGEST_BYTES;
  const body = data.subarray(4, bodyEnd);
  const sequenceNumber = input.sequenceNumber;
  if (computeChecksum && hash('md5', body, 'hex') !== data.toString('hex', bodyEnd)) {
    return new AggregationFormatError(
      AggregationFormatErrorReason.CHECKSUM,
      'Aggregated record MD5 does not match its contents',
      { sequenceNumber },
    );
  }
  const failure = decodeAggregate(data, 4, bodyEnd);
  if (failure !== undefined) {
    return new AggregationFormatError(
      failure,
      failure === AggregationFormatErrorReason.TRUNCATED
        ? 'Aggregated record protobuf ends early'
        : 'Aggregated record protobuf is malformed',
      { sequenceNumber },
    );
  }
  const {
    partitionKeyTable: pkTable,
    explicitHashKeyTable: ehkTable,
    partitionKeyIndex,
    explicitHashKeyIndex,
  } = decoded;
  for (const ehk of ehkTable) {
    if (!isDecimalHashKey(ehk)) {
      return new AggregationFormatError(
        AggregationFormatErrorReason.EXPLICIT_HASH_KEY,
        `Aggregated record has an invalid explicit hash key ${JSON.stringify(ehk.slice(0, 64))}`,
        { sequenceNumber },
      );
    }
  }
  const count = decoded.count;
  // Validate every index before emitting anything: all or nothing, so nothing is ever delivered twice.
  for (let i = 0; i < count; i++) {
    const pkIndex = partitionKeyIndex[i]!;
    const ehkIndex = explicitHashKeyIndex[i]!;
    if (pkIndex < 0 || pkIndex >= pkTable.length || ehkIndex === -1 || ehkIndex >= ehkTable.length) {
      return new AggregationFormatError(
        AggregationFormatErrorReason.KEY_INDEX,
        `Aggregated user record ${i} has a key index past its table (partition keys: ${pkTable.length}, explicit hash keys: ${ehkTable.length})`,
        { sequenceNumber },
      );
    }
  }
  // Effective hash keys per partition key table entry, computed once and only when filtering.
  const pkHashes: (bigint | undefined)[] | undefined = range === undefined ? undefined : [];
  const { approximateArrivalTimestamp, encryptionType } = input;
  const { dataStart, dataEnd, tags } = decoded;
  // Decoded base64 sits in a reused buffer: each user record gets a copy of its bytes, never a view into it.
  const copy = input.dataIsScratch;
  for (let i = 0; i < count; i++) {
    const pkIndex = partitionKeyIndex[i]!;
    const ehkIndex = explicitHashKeyIndex[i]!;
    const partitionKey = pkTable[pkIndex]!;
    const explicitHashKey = ehkIndex >= 0 ? ehkTable[ehkIndex] : undefined;
    const result: DeaggregatedRecord = {
      partitionKey,
      explicitHashKey,
      data: copy ? copyOut(data, dataStart[i]!, dataEnd[i]!) : data.subarray(dataStart[i]!, dataEnd[i]!),
      sequenceNumber,
      subSequenceNumber: i,
      approximateArrivalTimestamp,
      aggregated: true,
      encryptionType,
      tags: tags[i],
    };
    if (pkHashes !== undefined && range !== undefined) {
      let hashKey: bigint;
      if (explicitHashKey !== undefined) {
        hashKey = BigInt(explicitHashKey);
      } else {
        const cached = pkHashes[pkIndex];
        hashKey = cached ?? partitionKeyHash(partitionKey);
        if (cached === undefined) pkHashes[pkIndex] = hashKey;
      }
      if (hashKey < range.startingHashKey || hashKey > range.endingHashKey) {
        discarded.push(result);
        continue;
      }
    }
    out.push(result);
  }
  return undefined;
}

function passThrough(input: NormalizedRecord): DeaggregatedRecord {
  return {
    partitionKey: input.partitionKey,
    explicitHashKey: input.explicitHashKey,
    data: input.dataIsScratch ? Buffer.from(input.data) : input.data,
    sequenceNumber: input.sequenceNumber,
    subSequenceNumber: 0,
    approximateArrivalTimestamp: input.approximateArrivalTimestamp,
    aggregated: false,
    encryptionType: input.encryptionType,
    tags: undefined,
  };
}
