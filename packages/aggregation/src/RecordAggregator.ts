import { createHash } from 'node:crypto';
import { AGGREGATE_PARTITION_KEY, AGGREGATION_OVERHEAD_BYTES, DIGEST_BYTES, KPL_MAGIC_UINT32 } from './constants.js';
import { EmptyAggregatorError, InvalidHashKeyError, RecordDoesNotFitError } from './errors.js';
import { isValidExplicitHashKey, partitionKeyHash } from './hashKey.js';
import { type RecordAggregatorOptions, resolveRecordAggregatorOptions } from './options.js';
import type { UserRecord, UserRecordTag } from './UserRecord.js';
import { varintSize, writeVarint } from './varint.js';

/** A Kinesis record ready for `PutRecords`: what {@link RecordAggregator.build} returns. */
export interface AggregatedKinesisRecord {
  /** The record data: a KPL aggregate (magic + protobuf + MD5), or a lone user record's own data. */
  data: Uint8Array;
  /** `"a"` for an aggregate (as the KPL), else the lone user record's partition key. */
  partitionKey: string;
  /** For an aggregate: the first user record's effective hash key (decimal), so the aggregate lands where that
   * record was predicted to land. For a lone record: its own explicit hash key, if it had one. */
  explicitHashKey?: string | undefined;
  /** User records inside (≥ 1). */
  userRecordCount: number;
  /** False when the record is a lone user record sent as-is. */
  aggregated: boolean;
}

// Protobuf keys (field number << 3 | wire type 2 or 0) of the fields we write.
const PARTITION_KEY_TABLE_KEY = 0x0a; // AggregatedRecord.partition_key_table = 1, length-delimited
const EXPLICIT_HASH_KEY_TABLE_KEY = 0x12; // AggregatedRecord.explicit_hash_key_table = 2
const RECORDS_KEY = 0x1a; // AggregatedRecord.records = 3
const PARTITION_KEY_INDEX_KEY = 0x08; // Record.partition_key_index = 1, varint
const EXPLICIT_HASH_KEY_INDEX_KEY = 0x10; // Record.explicit_hash_key_index = 2, varint
const DATA_KEY = 0x1a; // Record.data = 3
const TAGS_KEY = 0x22; // Record.tags = 4
const TAG_KEY_KEY = 0x0a; // Tag.key = 1
const TAG_VALUE_KEY = 0x12; // Tag.value = 2

const INITIAL_CAPACITY = 64 * 1024;

/**
 * Packs user records into one Kinesis record in the KPL aggregated format, byte-for-byte what protobufjs (and
 * the KPL) would encode, while knowing the exact size of the result after every `add()` without re-encoding.
 *
 * Each user record is encoded once, at `add()`, into a reused buffer (the `records` field of `AggregatedRecord`);
 * the key tables are de-duplicated through Maps and written at `build()`, since protobuf puts them first.
 * Not thread-safe across async boundaries that interleave add() and build() on the same instance (no awaits inside).
 */
export class RecordAggregator {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #maxRecordBytes: number;

  /** Encoded `records` entries (key + length + Record), back to back; bytes [0, #length) are valid. */
  #buffer: Buffer;
  #length = 0;
  #count = 0;

  /** De-duplicated partition keys in first-seen order, their indices, and their UTF-8 lengths. */
  readonly #pkIndex = new Map<string, number>();
  readonly #pkTable: string[] = [];
  readonly #pkBytes: number[] = [];
  /** Encoded size of the whole partition key table (keys, lengths and strings). */
  #pkTableBytes = 0;
  readonly #ehkIndex = new Map<string, number>();
  readonly #ehkTable: string[] = [];
  #ehkTableBytes = 0;

  /** The first user record: routes the aggregate, and is the output when it stays alone. */
  #firstPartitionKey = '';
  #firstExplicitHashKey: string | undefined;
  #firstDataOffset = 0;
  #firstDataLength = 0;

  // Scratch results of #measure(record), valid while #measured === record (reused by add() after wouldFit()).
  #measured: UserRecord | undefined;
  #mPkIndex = 0; // index of the partition key, or -1 when new
  #mPkBytes = 0; // UTF-8 bytes of the partition key (computed only when new)
  #mEhkIndex = 0; // index of the explicit hash key, -1 when new, -2 when none
  #mInner = 0; // bytes of the encoded Record message
  #mAdded = 0; // bytes the record adds to the aggregate's protobuf body (entry + new table entries)

  constructor(options: RecordAggregatorOptions = {}) {
    const resolved = resolveRecordAggregatorOptions(options);
    this.#maxCount = resolved.maxCount;
    this.#maxBytes = resolved.maxBytes;
    this.#maxRecordBytes = resolved.maxRecordBytes;
    this.#buffer = Buffer.allocUnsafe(Math.min(INITIAL_CAPACITY, resolved.maxBytes + 64));
  }

  /** User records added since the last build()/reset(). */
  get count(): number {
    return this.#count;
  }

  /** Exact `build().data.length` if built now; 0 when empty. O(1). */
  get sizeBytes(): number {
    if (this.#count === 0) return 0;
    if (this.#count === 1) return this.#firstDataLength;
    return AGGREGATION_OVERHEAD_BYTES + this.#bodyBytes();
  }

  /**
   * Whether `record` can be added without breaking a limit. On an empty aggregator any record whose data plus
   * partition key fit `maxRecordBytes` fits (it would go out alone, as in the KPL); `false` there means the record
   * can never be put. Throws {@link InvalidHashKeyError} for an invalid explicit hash key.
   */
  wouldFit(record: UserRecord): boolean {
    this.#measure(record);
    return this.#fits(record);
  }

  /** Adds `record`; throws {@link RecordDoesNotFitError} if `wouldFit(record)` is false. Copies the data. */
  add(record: UserRecord): void {
    if (this.#measured !== record) this.#measure(record);
    if (!this.#fits(record)) {
      this.#measured = undefined;
      throw new RecordDoesNotFitError(
        record.data.length,
        this.#count,
        this.#count === 0
          ? `A record of ${record.data.length} data bytes plus its partition key exceeds maxRecordBytes (${this.#maxRecordBytes})`
          : `The record does not fit this aggregate (${this.#count} records, ${this.sizeBytes} bytes); build() first`,
      );
    }
    this.#measured = undefined;
    this.#write(record);
  }

  /**
   * Returns the Kinesis record for everything added and empties the aggregator (its buffers are reused).
   * Throws {@link EmptyAggregatorError} when nothing was added.
   */
  build(): AggregatedKinesisRecord {
    const count = this.#count;
    if (count === 0) throw new EmptyAggregatorError();
    let result: AggregatedKinesisRecord;
    if (count === 1) {
      const start = this.#firstDataOffset;
      result = {
        data: Uint8Array.prototype.slice.call(this.#buffer, start, start + this.#firstDataLength),
        partitionKey: this.#firstPartitionKey,
        explicitHashKey: this.#firstExplicitHashKey,
        userRecordCount: 1,
        aggregated: false,
      };
    } else {
      result = {
        data: this.#encode(),
        partitionKey: AGGREGATE_PARTITION_KEY,
        explicitHashKey: this.#firstExplicitHashKey ?? partitionKeyHash(this.#firstPartitionKey).toString(),
        userRecordCount: count,
        aggregated: true,
      };
    }
    this.reset();
    return result;
  }

  /** Drops everything added since the last build(). */
  reset(): void {
    this.#length = 0;
    this.#count = 0;
    this.#pkIndex.clear();
    this.#pkTable.length = 0;
    this.#pkBytes.length = 0;
    this.#pkTableBytes = 0;
    this.#ehkIndex.clear();
    this.#ehkTable.length = 0;
    this.#ehkTableBytes = 0;
    this.#firstExplicitHashKey = undefined;
    this.#measured = undefined;
  }

  #bodyBytes(): number {
    return this.#pkTableBytes + this.#ehkTableBytes + this.#length;
  }

  #fits(record: UserRecord): boolean {
    if (this.#count >= this.#maxCount) return false;
    if (this.#count === 0) {
      // Alone, the record goes out raw with its own partition key.
      return record.data.length + this.#mPkBytes <= this.#maxRecordBytes;
    }
    const size = AGGREGATION_OVERHEAD_BYTES + this.#bodyBytes() + this.#mAdded;
    return size <= this.#maxBytes && size + AGGREGATE_PARTITION_KEY.length <= this.#maxRecordBytes;
  }

  /** Computes what adding `record` costs, into the #m* scratch fields. */
  #measure(record: UserRecord): void {
    const { partitionKey, explicitHashKey, data, tags } = record;
    let added = 0;
    const pkIndex = this.#pkIndex.get(partitionKey);
    let inner: number;
    if (pkIndex === undefined) {
      const pkBytes = Buffer.byteLength(partitionKey, 'utf8');
      this.#mPkIndex = -1;
      this.#mPkBytes = pkBytes;
      added += 1 + varintSize(pkBytes) + pkBytes;
      inner = 1 + varintSize(this.#pkTable.length);
    } else {
      this.#mPkIndex = pkIndex;
      this.#mPkBytes = this.#pkBytes[pkIndex] ?? 0;
      inner = 1 + varintSize(pkIndex);
    }
    if (explicitHashKey === undefined) {
      this.#mEhkIndex = -2;
    } else {
      const ehkIndex = this.#ehkIndex.get(explicitHashKey);
      if (ehkIndex === undefined) {
        if (!isValidExplicitHashKey(explicitHashKey)) throw new InvalidHashKeyError(explicitHashKey);
        this.#mEhkIndex = -1;
        // A valid explicit hash key is ASCII digits: one byte per character.
        added += 1 + varintSize(explicitHashKey.length) + explicitHashKey.length;
        inner += 1 + varintSize(this.#ehkTable.length);
      } else {
        this.#mEhkIndex = ehkIndex;
        inner += 1 + varintSize(ehkIndex);
      }
    }
    inner += 1 + varintSize(data.length) + data.length;
    if (tags !== undefined) inner += tagsBytes(tags);
    this.#mInner = inner;
    this.#mAdded = added + 1 + varintSize(inner) + inner;
    this.#measured = record;
  }

  /** Appends the measured record to the buffer and the key tables. */
  #write(record: UserRecord): void {
    const { partitionKey, explicitHashKey, data, tags } = record;
    let pkIndex = this.#mPkIndex;
    if (pkIndex === -1) {
      pkIndex = this.#pkTable.length;
      const pkBytes = this.#mPkBytes;
      this.#pkIndex.set(partitionKey, pkIndex);
      this.#pkTable.push(partitionKey);
      this.#pkBytes.push(pkBytes);
      this.#pkTableBytes += 1 + varintSize(pkBytes) + pkBytes;
    }
    let ehkIndex = this.#mEhkIndex;
    if (ehkIndex === -1 && explicitHashKey !== undefined) {
      ehkIndex = this.#ehkTable.length;
      this.#ehkIndex.set(explicitHashKey, ehkIndex);
      this.#ehkTable.push(explicitHashKey);
      this.#ehkTableBytes += 1 + varintSize(explicitHashKey.length) + explicitHashKey.length;
    }
    const inner = this.#mInner;
    const buffer = this.#ensureCapacity(this.#length + 1 + varintSize(inner) + inner);
    let o = this.#length;
    buffer[o++] = RECORDS_KEY;
    o = writeVarint(buffer, o, inner);
    buffer[o++] = PARTITION_KEY_INDEX_KEY;
    o = writeVarint(buffer, o, pkIndex);
    if (ehkIndex >= 0) {
      buffer[o++] = EXPLICIT_HASH_KEY_INDEX_KEY;
      o = writeVarint(buffer, o, ehkIndex);
    }
    buffer[o++] = DATA_KEY;
    o = writeVarint(buffer, o, data.length);
    if (this.#count === 0) {
      this.#firstPartitionKey = partitionKey;
      this.#firstExplicitHashKey = explicitHashKey;
      this.#firstDataOffset = o;
      this.#firstDataLength = data.length;
    }
    buffer.set(data, o);
    o += data.length;
    if (tags !== undefined) o = writeTags(buffer, o, tags);
    this.#length = o;
    this.#count++;
  }

  #ensureCapacity(needed: number): Buffer {
    if (needed <= this.#buffer.length) return this.#buffer;
    let capacity = this.#buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
    return grown;
  }

  /** magic | partition key table | explicit hash key table | records | MD5(body). */
  #encode(): Buffer {
    const bodyBytes = this.#bodyBytes();
    const out = Buffer.allocUnsafe(AGGREGATION_OVERHEAD_BYTES + bodyBytes);
    out.writeUInt32BE(KPL_MAGIC_UINT32, 0);
    let o = 4;
    const pkTable = this.#pkTable;
    const pkBytes = this.#pkBytes;
    for (let i = 0; i < pkTable.length; i++) {
      const bytes = pkBytes[i] ?? 0;
      out[o++] = PARTITION_KEY_TABLE_KEY;
      o = writeVarint(out, o, bytes);
      o += out.write(pkTable[i] ?? '', o, bytes, 'utf8');
    }
    for (const ehk of this.#ehkTable) {
      out[o++] = EXPLICIT_HASH_KEY_TABLE_KEY;
      o = writeVarint(out, o, ehk.length);
      o += out.write(ehk, o, ehk.length, 'latin1');
    }
    this.#buffer.copy(out, o, 0, this.#length);
    o += this.#length;
    const digest = createHash('md5').update(out.subarray(4, o)).digest();
    digest.copy(out, o);
    if (o + DIGEST_BYTES !== out.length) throw new Error(`RecordAggregator size accounting bug: ${o} vs ${out.length}`);
    return out;
  }
}

function tagsBytes(tags: readonly UserRecordTag[]): number {
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

function writeTags(buffer: Buffer, o: number, tags: readonly UserRecordTag[]): number {
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
