// The three shapes of Kinesis record users hold, and their normalisation for deaggregate().
import { type DecodedBase64, decodeBase64 } from './base64Scratch.js';

/** A record as SDK v3 `GetRecords` / `SubscribeToShard` returns it (`_Record`). */
export interface SdkKinesisRecord {
  Data?: Uint8Array | undefined;
  PartitionKey?: string | undefined;
  SequenceNumber?: string | undefined;
  ApproximateArrivalTimestamp?: Date | undefined;
  EncryptionType?: string | undefined;
  /** Not returned by Kinesis; accepted for symmetry with PutRecords entries. */
  ExplicitHashKey?: string | undefined;
}

/**
 * A camel-case record: the `kinesis` payload of a Lambda Kinesis event record, or any plain object.
 * A string `data` is base64 (as in Lambda events and the Kinesis JSON API); a number
 * `approximateArrivalTimestamp` is epoch **seconds** (as in Lambda events), a Date is used as is.
 */
export interface PlainKinesisRecord {
  data: Uint8Array | string;
  partitionKey: string;
  sequenceNumber: string;
  explicitHashKey?: string | undefined;
  approximateArrivalTimestamp?: Date | number | undefined;
  encryptionType?: string | undefined;
}

/** A Lambda Kinesis event record (`event.Records[i]`): the record is under `kinesis`. */
export interface LambdaKinesisEventRecord {
  kinesis: PlainKinesisRecord;
}

/** Anything deaggregate() accepts. */
export type KinesisRecordInput = SdkKinesisRecord | PlainKinesisRecord | LambdaKinesisEventRecord;

/** The fields deaggregate() needs, read once from whichever shape. Reused between calls (no allocation). */
export interface NormalizedRecord extends DecodedBase64 {
  partitionKey: string;
  explicitHashKey: string | undefined;
  sequenceNumber: string;
  approximateArrivalTimestamp: Date | undefined;
  encryptionType: string | undefined;
}

const EMPTY = Buffer.alloc(0);

/** Reads `input` into `out` and returns it. */
export function normalizeRecord(input: KinesisRecordInput, out: NormalizedRecord): NormalizedRecord {
  if ('kinesis' in input) return normalizePlain(input.kinesis, out);
  if ('Data' in input || 'SequenceNumber' in input || 'PartitionKey' in input) {
    const data = input.Data;
    out.data = data === undefined ? EMPTY : asBuffer(data);
    out.dataIsScratch = false;
    out.partitionKey = input.PartitionKey ?? '';
    out.explicitHashKey = input.ExplicitHashKey;
    out.sequenceNumber = input.SequenceNumber ?? '';
    out.approximateArrivalTimestamp = input.ApproximateArrivalTimestamp;
    out.encryptionType = input.EncryptionType;
    return out;
  }
  return normalizePlain(input as PlainKinesisRecord, out);
}

function normalizePlain(input: PlainKinesisRecord, out: NormalizedRecord): NormalizedRecord {
  const data = input.data;
  if (typeof data === 'string') decodeBase64(data, out);
  else {
    out.data = data === undefined ? EMPTY : asBuffer(data);
    out.dataIsScratch = false;
  }
  out.partitionKey = input.partitionKey ?? '';
  out.explicitHashKey = input.explicitHashKey;
  out.sequenceNumber = input.sequenceNumber ?? '';
  const arrival = input.approximateArrivalTimestamp;
  out.approximateArrivalTimestamp = typeof arrival === 'number' ? new Date(arrival * 1000) : arrival;
  out.encryptionType = input.encryptionType;
  return out;
}

/** A Buffer view over the same memory (no copy); Buffers pass through. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A fresh scratch object. */
export function newNormalizedRecord(): NormalizedRecord {
  return {
    data: EMPTY,
    dataIsScratch: false,
    partitionKey: '',
    explicitHashKey: undefined,
    sequenceNumber: '',
    approximateArrivalTimestamp: undefined,
    encryptionType: undefined,
  };
}
