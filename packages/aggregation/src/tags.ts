// Encoding of a user record's tags (AggregatedRecord.Record.tags): rare (the KPL itself never writes tags), so kept
// apart from the aggregator's hot path.
import type { UserRecordTag } from './UserRecord.js';
import { varintSize, writeVarint } from './varint.js';

const TAGS_KEY = 0x22; // Record.tags = 4, length-delimited
const TAG_KEY_KEY = 0x0a; // Tag.key = 1
const TAG_VALUE_KEY = 0x12; // Tag.value = 2

/** Encoded bytes of `tags` inside a Record message. */
export function tagsBytes(tags: readonly UserRecordTag[]): number {
  let total = 0;
  for (const tag of tags) {
    const inner = tagInnerBytes(tag);
    total += 1 + varintSize(inner) + inner;
  }
  return total;
}

function tagInnerBytes(tag: UserRecordTag): number {
  const keyBytes = Buffer.byteLength(tag.key, 'utf8');
  let inner = 1 + varintSize(keyBytes) + keyBytes;
  if (tag.value !== undefined) {
    const valueBytes = Buffer.byteLength(tag.value, 'utf8');
    inner += 1 + varintSize(valueBytes) + valueBytes;
  }
  return inner;
}

/** Writes `tags` at `o`; returns the offset after them. */
export function writeTags(buffer: Buffer, o: number, tags: readonly UserRecordTag[]): number {
  for (const tag of tags) {
    buffer[o++] = TAGS_KEY;
    o = writeVarint(buffer, o, tagInnerBytes(tag));
    const keyBytes = Buffer.byteLength(tag.key, 'utf8');
    buffer[o++] = TAG_KEY_KEY;
    o = writeVarint(buffer, o, keyBytes);
    o += buffer.write(tag.key, o, keyBytes, 'utf8');
    if (tag.value !== undefined) {
      const valueBytes = Buffer.byteLength(tag.value, 'utf8');
      buffer[o++] = TAG_VALUE_KEY;
      o = writeVarint(buffer, o, valueBytes);
      o += buffer.write(tag.value, o, valueBytes, 'utf8');
    }
  }
  return o;
}
