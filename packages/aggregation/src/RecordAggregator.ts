import { hash } from 'node:crypto';
import { AGGREGATE_PARTITION_KEY, AGGREGATION_OVERHEAD_BYTES, DIGEST_BYTES, KPL_MAGIC_UINT32 } from './constants.js';
import { EmptyAggregatorError, InvalidHashKeyError, RecordDoesNotFitError } from './errors.js';
import { isValidExplicitHashKey, partitionKeyHash } from './hashKey.js';
import { type RecordAggregatorOptions, resolveRecordAggregatorOptions } from './options.js';
import { OwnKeySlots } from './ownKeySlots.js';
import { giveSpareBuffer, takeSpareBuffer } from './spareBuffers.js';
import { tagsBytes, writeTags } from './tags.js';
import type { PartitionKeySlot, UserRecord } from './UserRecord.js';
import { varintSize, writeVarint } from './varint.js';
import { writeKey } from './writeKey.js';

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

/** Where the first aggregate's records start: room for the magic and a small key table in front of them. */
const INITIAL_HEADROOM = 256;
/** Most aggregate bytes a buffer is allocated for up front (beyond, it grows); 4 MiB covers every Kinesis limit but the largest. */
const MAX_INITIAL_BYTES = 4 * 1024 * 1024;
/** Names every aggregate of every aggregator in the process uniquely (what a PartitionKeySlot refers to). */
let aggregateEpochs = 0;

/**
 * Packs user records into one Kinesis record in the KPL aggregated format, byte-for-byte what protobufjs (and
 * the KPL) would encode, while knowing the exact size of the result after every `add()` without re-encoding.
 *
 * Each user record is encoded once, at `add()`, straight into the buffer that `build()` hands out: records start at
 * an offset (`headroom`) that leaves room in front for the magic and the key tables, which protobuf puts first and
 * which are only complete at `build()`. `build()` writes the tables right before the records and the MD5 after
 * them, and returns a view: no copy of the records, and no second buffer to fault in (fresh memory costs more
 * than the MD5 on small VMs, see docs/aggregation.md § Performance). The headroom adapts to the key tables seen.
 * Not thread-safe across async boundaries that interleave add() and build() on the same instance (no awaits inside).
 */
export class RecordAggregator {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #maxRecordBytes: number;

  /**
   * The aggregate being built: encoded `records` entries (key + length + Record) back to back in
   * [#headroom, #end). Undefined after `build()` handed it out; allocated again at the next `add()`.
   */
  #buffer: Buffer | undefined;
  /** Buffers this aggregator handed out with an aggregate's view and not yet got back: the only ones recycle() takes. */
  readonly #handedOut = new WeakSet<ArrayBuffer>();
  #headroom = INITIAL_HEADROOM;
  #end = INITIAL_HEADROOM;
  #count = 0;
  /** This aggregate's name for PartitionKeySlots; a new one at every reset. */
  #epoch = ++aggregateEpochs;

  /** Slots for callers that pass none. */
  readonly #ownSlots = new OwnKeySlots();
  /** De-duplicated partition keys of this aggregate in first-seen order, and their UTF-8 lengths. */
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
  #mGivenSlot: PartitionKeySlot | undefined; // the slot the caller passed to the measure
  #mSlot: PartitionKeySlot = { keyBytes: 0, aggregate: -1, index: 0 }; // the slot the measure used
  #mPkIndex = 0; // index of the partition key, or -1 when new
  #mEhkIndex = 0; // index of the explicit hash key, -1 when new, -2 when none
  #mInner = 0; // bytes of the encoded Record message
  #mAdded = 0; // bytes the record adds to the aggregate's protobuf body (entry + new table entries)

  constructor(options: RecordAggregatorOptions = {}) {
    const resolved = resolveRecordAggregatorOptions(options);
    this.#maxCount = resolved.maxCount;
    this.#maxBytes = resolved.maxBytes;
    this.#maxRecordBytes = resolved.maxRecordBytes;
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
  wouldFit(record: UserRecord, slot?: PartitionKeySlot): boolean {
    this.#measure(record, slot);
    return this.#fits(record);
  }

  /** Adds `record`; throws {@link RecordDoesNotFitError} if `wouldFit(record)` is false. Copies the data. */
  add(record: UserRecord, slot?: PartitionKeySlot): void {
    if (this.#measured !== record || this.#mGivenSlot !== slot) this.#measure(record, slot);
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
    const buffer = this.#buffer;
    if (count === 0 || buffer === undefined) throw new EmptyAggregatorError();
    let result: AggregatedKinesisRecord;
    if (count === 1) {
      const start = this.#firstDataOffset;
      // A copy: the buffer stays here for the next aggregate.
      result = {
        data: Uint8Array.prototype.slice.call(buffer, start, start + this.#firstDataLength),
        partitionKey: this.#firstPartitionKey,
        explicitHashKey: this.#firstExplicitHashKey,
        userRecordCount: 1,
        aggregated: false,
      };
    } else {
      result = {
        data: this.#encode(buffer),
        partitionKey: AGGREGATE_PARTITION_KEY,
        explicitHashKey: this.#firstExplicitHashKey ?? partitionKeyHash(this.#firstPartitionKey).toString(),
        userRecordCount: count,
        aggregated: true,
      };
    }
    this.reset();
    return result;
  }

  /**
   * Gives back the `data` of an aggregate this aggregator built, once nothing reads it any more (e.g. after
   * `PutRecords` stored it): a later aggregate is then encoded into the same memory instead of fresh memory, which
   * has to be faulted in page by page. Never call it while `data` may still be read or sent. Anything else (a lone
   * record's data, a foreign array, a buffer already given back) is ignored.
   */
  recycle(data: Uint8Array): void {
    const arrayBuffer = data.buffer as ArrayBuffer;
    // Only a buffer of ours, once (a copied-out small aggregate may sit in Node's shared pool: never reuse that).
    if (!this.#handedOut.delete(arrayBuffer)) return;
    giveSpareBuffer(arrayBuffer);
  }

  /** Drops everything added since the last build(). */
  reset(): void {
    this.#end = this.#headroom;
    this.#count = 0;
    this.#pkTable.length = 0;
    this.#pkBytes.length = 0;
    this.#pkTableBytes = 0;
    this.#ehkIndex.clear();
    this.#ehkTable.length = 0;
    this.#ehkTableBytes = 0;
    this.#firstExplicitHashKey = undefined;
    this.#measured = undefined;
    this.#epoch = ++aggregateEpochs;
  }

  #bodyBytes(): number {
    return this.#pkTableBytes + this.#ehkTableBytes + (this.#end - this.#headroom);
  }

  #fits(record: UserRecord): boolean {
    if (this.#count >= this.#maxCount) return false;
    if (this.#count === 0) {
      // Alone, the record goes out raw with its own partition key.
      return record.data.length + this.#mSlot.keyBytes <= this.#maxRecordBytes;
    }
    const size = AGGREGATION_OVERHEAD_BYTES + this.#bodyBytes() + this.#mAdded;
    return size <= this.#maxBytes && size + AGGREGATE_PARTITION_KEY.length <= this.#maxRecordBytes;
  }

  /** Computes what adding `record` costs, into the #m* scratch fields. */
  #measure(record: UserRecord, givenSlot: PartitionKeySlot | undefined): void {
    const { partitionKey, explicitHashKey, data, tags } = record;
    let added = 0;
    const slot = givenSlot ?? this.#ownSlots.get(partitionKey);
    // The slot's note is the lookup: an index, if the key is already in this aggregate's table.
    const pkIndex = slot.aggregate === this.#epoch ? slot.index : undefined;
    this.#mGivenSlot = givenSlot;
    this.#mSlot = slot;
    let inner: number;
    if (pkIndex === undefined) {
      const pkBytes = slot.keyBytes;
      this.#mPkIndex = -1;
      added += 1 + varintSize(pkBytes) + pkBytes;
      inner = 1 + varintSize(this.#pkTable.length);
    } else {
      this.#mPkIndex = pkIndex;
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
      const pkBytes = this.#mSlot.keyBytes;
      const slot = this.#mSlot;
      slot.aggregate = this.#epoch;
      slot.index = pkIndex;
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
    const buffer = this.#ensureCapacity(this.#end + 1 + varintSize(inner) + inner + DIGEST_BYTES);
    let o = this.#end;
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
    this.#end = o;
    this.#count++;
  }

  /** The current buffer with room for `needed` bytes (records start at #headroom, MD5 after them). */
  #ensureCapacity(needed: number): Buffer {
    const buffer = this.#buffer;
    if (buffer !== undefined && needed <= buffer.length) return buffer;
    if (buffer === undefined) {
      const spare = takeSpareBuffer(this.#standardCapacity());
      if (spare !== undefined && needed <= spare.length) {
        this.#buffer = spare;
        return spare;
      }
    }
    // Room for a full aggregate from the start: growing copies everything into fresh memory again.
    let capacity = this.#standardCapacity();
    if (buffer !== undefined) capacity = buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    if (buffer !== undefined) buffer.copy(grown, this.#headroom, this.#headroom, this.#end);
    this.#buffer = grown;
    return grown;
  }

  /** Size of a new buffer: room in front for the key tables, then a whole aggregate. */
  #standardCapacity(): number {
    return this.#headroom + Math.min(this.#maxBytes, MAX_INITIAL_BYTES);
  }

  /**
   * Completes the aggregate in place — magic | partition key table | explicit hash key table | records | MD5(body) —
   * and returns a view of it. The buffer goes with the view unless the view is small next to it (a flush of a few
   * records): then the view is copied out and the buffer kept for the next aggregate.
   */
  #encode(buffer: Buffer): Buffer {
    const tablesBytes = this.#pkTableBytes + this.#ehkTableBytes;
    if (4 + tablesBytes > this.#headroom) buffer = this.#moveRecords(buffer, 4 + tablesBytes);
    const end = this.#end;
    const start = this.#headroom - tablesBytes - 4;
    buffer.writeUInt32BE(KPL_MAGIC_UINT32, start);
    let o = start + 4;
    const pkTable = this.#pkTable;
    const pkBytes = this.#pkBytes;
    for (let i = 0; i < pkTable.length; i++) {
      const bytes = pkBytes[i] ?? 0;
      buffer[o++] = PARTITION_KEY_TABLE_KEY;
      o = writeVarint(buffer, o, bytes);
      o = writeKey(buffer, o, pkTable[i] ?? '', bytes);
    }
    for (const ehk of this.#ehkTable) {
      buffer[o++] = EXPLICIT_HASH_KEY_TABLE_KEY;
      o = writeVarint(buffer, o, ehk.length);
      o += buffer.write(ehk, o, ehk.length, 'latin1');
    }
    if (o !== this.#headroom) throw new Error(`RecordAggregator size accounting bug: ${o} vs ${this.#headroom}`);
    // Hex one-shot: a Buffer digest would allocate an off-heap 16-byte ArrayBuffer (~1.4 µs).
    buffer.write(hash('md5', buffer.subarray(start + 4, end), 'hex'), end, DIGEST_BYTES, 'hex');
    const view = buffer.subarray(start, end + DIGEST_BYTES);
    if (view.length * 2 < buffer.length) return Buffer.from(view); // small: copy it, keep the buffer
    this.#buffer = undefined;
    this.#handedOut.add(buffer.buffer as ArrayBuffer);
    return view;
  }

  /**
   * The key tables outgrew the room in front of the records: moves the records right (once per aggregate) and
   * remembers the larger headroom for the next aggregates, whose keys are likely alike.
   */
  #moveRecords(buffer: Buffer, front: number): Buffer {
    const headroom = Math.max(front, this.#headroom * 2);
    const shift = headroom - this.#headroom;
    const end = this.#end;
    if (end + shift + DIGEST_BYTES > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, end + shift + DIGEST_BYTES));
      buffer.copy(grown, headroom, this.#headroom, end);
      buffer = grown;
      this.#buffer = grown;
    } else {
      buffer.copyWithin(headroom, this.#headroom, end);
    }
    if (this.#count > 0) this.#firstDataOffset += shift;
    this.#headroom = headroom;
    this.#end = end + shift;
    return buffer;
  }
}
