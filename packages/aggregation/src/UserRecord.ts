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
