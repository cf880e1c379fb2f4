/** A key/value tag carried by a user record inside an aggregate (KPL `Tag`; the KPL itself never writes tags). */
export interface UserRecordTag {
  key: string;
  value?: string | undefined;
}

/** One record as the application produced it, before aggregation. */
export interface UserRecord {
  /** Partition key (Kinesis requires 1–256 Unicode code points; not checked here — the producer does). */
  partitionKey: string;
  /** Decimal hash key in 0 … 2^128 − 1 that overrides the MD5 of `partitionKey` for routing. */
  explicitHashKey?: string | undefined;
  /** The payload. Copied when added to an aggregator, so the caller may reuse the buffer afterwards. */
  data: Uint8Array;
  /** Optional tags, encoded into the aggregate (readers that know the format return them). */
  tags?: readonly UserRecordTag[] | undefined;
}

/**
 * A caller-kept note per partition key that spares the aggregator its own key lookup (a hot-path option for
 * producers that already keep an object per key). Pass the same slot with every record of that key, or none:
 * the aggregator writes `aggregate`/`index` and trusts them only while they name its current aggregate, so an index
 * is never wrong; a slot used by two aggregators in turn (a key that moved) may list the key twice in a table,
 * which every reader decodes alike.
 */
export interface PartitionKeySlot {
  /** UTF-8 bytes of the partition key (the caller knows them already). */
  readonly keyBytes: number;
  /** Which aggregate `index` belongs to (set by the aggregator; start with -1). */
  aggregate: number;
  /** The key's index in that aggregate's partition key table (set by the aggregator). */
  index: number;
}
