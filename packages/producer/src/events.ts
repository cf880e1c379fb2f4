/** Instrumentation events of {@link KinesisProducer}, by name, with their payloads. Built only when listened to. */
export interface ProducerEvents {
  /** One PutRecords request finished (successfully or not). */
  'producer.put_records': {
    /** Kinesis records in the request. */
    recordCount: number;
    /** User records inside them. */
    userRecordCount: number;
    /** Distinct predicted shards in the request. */
    shardCount: number;
    /** Data + partition key bytes sent. */
    bytes: number;
    durationMs: number;
    /** Kinesis records that failed (all of them when the request failed). */
    failedRecordCount: number;
    /** The request error, when the whole request failed. */
    error?: unknown;
  };
  /** Kinesis records go back to their shard's queue to be retried. */
  'producer.retry': { shardId: string; errorCode: string; attempt: number; delayMs: number; userRecordCount: number };
  /** A shard (or a whole request) was throttled; its rate limiter backs off. */
  'producer.throttled': { shardId: string; errorCode: string };
  /** User records failed with `RecordExpiredError`. */
  'producer.record_expired': { shardId: string | undefined; userRecordCount: number };
  /** User records failed with a non-retriable error (or throttling with `failIfThrottled`). */
  'producer.record_failed': { shardId: string | undefined; errorCode: string; userRecordCount: number };
  /** The shard map was (re)loaded. */
  'producer.shard_map_refreshed': { reason: string; shardCount: number; durationMs: number };
  /** Loading the shard map failed (it will be retried; puts keep using the old map). */
  'producer.shard_map_refresh_failed': { reason: string; error: unknown };
  /** A Kinesis record landed on a shard other than predicted (stale shard map). */
  'producer.shard_mismatch': { predictedShardId: string; actualShardId: string; userRecordCount: number };
}
