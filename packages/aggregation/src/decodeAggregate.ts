// Hand-written decoder of the AggregatedRecord protobuf: the deaggregate() hot path. protobufjs (src/messages.ts)
// stays the reference: tests compare the two on random and fuzzed input. Why not protobufjs here: it allocates a
// message object and a Long per user record (uint64 indices, `long` is installed), which made deaggregation
// GC-bound (~36 % of the profile); this decoder allocates nothing per record beyond what deaggregate() returns.
//
// It follows protobuf (proto2) parsing rules as Java's parser (the KCL's) does: fields in any order, unknown fields
// and fields with an unexpected wire type skipped, missing required fields an error.
import { AggregationFormatErrorReason } from './errors.js';
import type { UserRecordTag } from './UserRecord.js';

/** Result of the last decode, in reused arrays (decodeAggregate is synchronous and never re-entered). */
export const decoded = {
  partitionKeyTable: [] as string[],
  explicitHashKeyTable: [] as string[],
  /** Per user record: partition key index (−1 if ≥ 2^32). */
  partitionKeyIndex: [] as number[],
  /** Per user record: explicit hash key index, −2 when absent, −1 if ≥ 2^32. */
  explicitHashKeyIndex: [] as number[],
  dataStart: [] as number[],
  dataEnd: [] as number[],
  tags: [] as (UserRecordTag[] | undefined)[],
  count: 0,
};

let pos = 0;
let failure: AggregationFormatErrorReason | undefined;

const TRUNCATED = AggregationFormatErrorReason.TRUNCATED;
const PROTOBUF = AggregationFormatErrorReason.PROTOBUF;

/** Decodes `buf[start, end)`; returns the failure reason, or undefined with `decoded` filled. */
export function decodeAggregate(buf: Buffer, start: number, end: number): AggregationFormatErrorReason | undefined {
  const d = decoded;
  d.partitionKeyTable.length = 0;
  d.explicitHashKeyTable.length = 0;
  d.count = 0;
  failure = undefined;
  pos = start;
  while (pos < end) {
    const key = readKey(buf, end);
    if (failure !== undefined) return failure;
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 2 && field >= 1 && field <= 3) {
      const length = readVarint(buf, end);
      if (failure !== undefined) return failure;
      const fieldEnd = pos + length;
      if (fieldEnd > end) return TRUNCATED;
      if (field === 1) d.partitionKeyTable.push(buf.toString('utf8', pos, fieldEnd));
      else if (field === 2) d.explicitHashKeyTable.push(buf.toString('latin1', pos, fieldEnd));
      else {
        const reason = readRecord(buf, pos, fieldEnd);
        if (reason !== undefined) return reason;
      }
      pos = fieldEnd;
    } else {
      skipField(buf, end, wireType);
      if (failure !== undefined) return failure;
    }
  }
  return undefined;
}

function readRecord(buf: Buffer, start: number, end: number): AggregationFormatErrorReason | undefined {
  let partitionKeyIndex = -3; // −3: missing
  let explicitHashKeyIndex = -2;
  let dataStart = -1;
  let dataEnd = -1;
  let tags: UserRecordTag[] | undefined;
  pos = start;
  while (pos < end) {
    const key = readKey(buf, end);
    if (failure !== undefined) return failure;
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 0 && (field === 1 || field === 2)) {
      const value = readVarint(buf, end);
      if (failure !== undefined) return failure;
      const index = value > 0xffffffff ? -1 : value;
      if (field === 1) partitionKeyIndex = index;
      else explicitHashKeyIndex = index;
    } else if (wireType === 2 && (field === 3 || field === 4)) {
      const length = readVarint(buf, end);
      if (failure !== undefined) return failure;
      const fieldEnd = pos + length;
      if (fieldEnd > end) return TRUNCATED;
      if (field === 3) {
        dataStart = pos;
        dataEnd = fieldEnd;
      } else {
        const tag = readTag(buf, pos, fieldEnd);
        if (tag === undefined) return failure;
        if (tags === undefined) tags = [tag];
        else tags.push(tag);
      }
      pos = fieldEnd;
    } else {
      skipField(buf, end, wireType);
      if (failure !== undefined) return failure;
    }
  }
  if (partitionKeyIndex === -3 || dataStart < 0) return PROTOBUF; // required field missing
  const d = decoded;
  const i = d.count++;
  d.partitionKeyIndex[i] = partitionKeyIndex;
  d.explicitHashKeyIndex[i] = explicitHashKeyIndex;
  d.dataStart[i] = dataStart;
  d.dataEnd[i] = dataEnd;
  d.tags[i] = tags;
  return undefined;
}

function readTag(buf: Buffer, start: number, end: number): UserRecordTag | undefined {
  let tagKey: string | undefined;
  let value: string | undefined;
  pos = start;
  while (pos < end) {
    const key = readKey(buf, end);
    if (failure !== undefined) return undefined;
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 2 && (field === 1 || field === 2)) {
      const length = readVarint(buf, end);
      if (failure !== undefined) return undefined;
      const fieldEnd = pos + length;
      if (fieldEnd > end) {
        failure = TRUNCATED;
        return undefined;
      }
      if (field === 1) tagKey = buf.toString('utf8', pos, fieldEnd);
      else value = buf.toString('utf8', pos, fieldEnd);
      pos = fieldEnd;
    } else {
      skipField(buf, end, wireType);
      if (failure !== undefined) return undefined;
    }
  }
  if (tagKey === undefined) {
    failure = PROTOBUF;
    return undefined;
  }
  return value === undefined ? { key: tagKey } : { key: tagKey, value };
}

/** Reads a field key; field number 0 or a key beyond 32 bits is invalid protobuf (as Java's parser says). */
function readKey(buf: Buffer, end: number): number {
  const key = readVarint(buf, end);
  if (failure === undefined && (key < 8 || key > 0xffffffff)) failure = PROTOBUF;
  return key;
}

/** Reads a varint at `pos` (up to 10 bytes). Values ≥ 2^53 lose precision, which only matters above 2^32 here. */
function readVarint(buf: Buffer, end: number): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) {
      failure = TRUNCATED;
      return 0;
    }
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return value;
    multiplier *= 128;
  }
  failure = PROTOBUF; // more than 10 bytes
  return 0;
}

function skipField(buf: Buffer, end: number, wireType: number): void {
  switch (wireType) {
    case 0:
      readVarint(buf, end);
      return;
    case 1:
      pos += 8;
      if (pos > end) failure = TRUNCATED;
      return;
    case 2: {
      const length = readVarint(buf, end);
      if (failure !== undefined) return;
      pos += length;
      if (pos > end) failure = TRUNCATED;
      return;
    }
    case 3: {
      // Group: skip fields until the matching end-group.
      for (;;) {
        if (pos >= end) {
          failure = TRUNCATED;
          return;
        }
        const key = readKey(buf, end);
        if (failure !== undefined) return;
        if ((key & 7) === 4) return;
        skipField(buf, end, key & 7);
        if (failure !== undefined) return;
      }
    }
    case 5:
      pos += 4;
      if (pos > end) failure = TRUNCATED;
      return;
    default:
      failure = PROTOBUF; // end-group without a start, or wire types 6/7
  }
}
