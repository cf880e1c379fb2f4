import { TokenBucket } from './TokenBucket.js';

/** Kinesis' per-shard write limits. */
export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = 1_048_576;

/**
 * The send budget of one shard: records/s and bytes/s token buckets at `rateLimit` % of the shard limits (the KPL's
 * `RateLimit`). It waits, never drops; a throttling answer drains both buckets so the shard backs off by itself
 * while other shards keep going.
 */
export class ShardRateLimiter {
  readonly #records: TokenBucket;
  readonly #bytes: TokenBucket;

  constructor(rateLimitPercent: number, now: number) {
    this.#records = new TokenBucket((SHARD_RECORDS_PER_SECOND * rateLimitPercent) / 100, now);
    this.#bytes = new TokenBucket((SHARD_BYTES_PER_SECOND * rateLimitPercent) / 100, now);
  }

  /** Whether `records` Kinesis records of `bytes` in total may go out now. */
  allows(records: number, bytes: number, now: number): boolean {
    return this.#records.canTake(records, now) && this.#bytes.canTake(bytes, now);
  }

  take(bytes: number, now: number): void {
    this.#records.take(1, now);
    this.#bytes.take(bytes, now);
  }

  /** Milliseconds until `records` records of `bytes` in total may go out. */
  msUntil(records: number, bytes: number, now: number): number {
    return Math.max(this.#records.msUntil(records, now), this.#bytes.msUntil(bytes, now));
  }

  onThrottled(now: number): void {
    this.#records.drain(now);
    this.#bytes.drain(now);
  }
}
