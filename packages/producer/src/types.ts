/** A record as the application gives it to `put()`. */
export interface ProducerRecord {
  /** The payload: bytes, or a string sent as UTF-8. */
  data: Uint8Array | string;
  /** 1–256 Unicode characters; its MD5 picks the shard unless `explicitHashKey` is set. */
  partitionKey: string;
  /** A decimal integer in 0 … 2^128 − 1 that picks the shard instead of the partition key's MD5. */
  explicitHashKey?: string | undefined;
}

/** One `PutRecords` attempt that carried a record. */
export interface Attempt {
  /** Epoch ms when the request was sent. */
  startedAt: number;
  /** How long the request took. */
  durationMs: number;
  /** True when this attempt stored the record. */
  success: boolean;
  /** The shard Kinesis stored the record in (successful attempts). */
  shardId?: string | undefined;
  /** The error code of a failed attempt (`ProvisionedThroughputExceededException`, `TimeoutError`, …). */
  errorCode?: string | undefined;
  /** The error message of a failed attempt. */
  errorMessage?: string | undefined;
}

/** What a `put()` promise resolves with: where Kinesis stored the record. */
export interface PutResult {
  shardId: string;
  sequenceNumber: string;
  /** The record's index inside its aggregated Kinesis record; absent when the record was sent alone. */
  subSequenceNumber?: number;
  /** Every attempt, oldest first; the last one succeeded. */
  attempts: readonly Attempt[];
}
