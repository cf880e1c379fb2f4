import type { DeaggregatedRecord } from '@kinesis-kit/aggregation';
import type { ChildShardInfo } from '../shardSync/ShardSyncer.js';

/** A user record as the processor receives it: deaggregated, with its Kinesis position. */
export type ConsumerRecord = DeaggregatedRecord;

/** A child shard as `GetRecords` reports it when its parent is read to the end (the SDK's `ChildShard`). */
export type { ChildShardInfo } from '../shardSync/ShardSyncer.js';

/** One batch: the records of one `GetRecords` call (deaggregated, filtered), and where the shard stands. */
export interface FetchResult {
  records: ConsumerRecord[];
  millisBehindLatest: number | undefined;
  /** True once the shard is closed and read to the end; no further batch follows. */
  shardEnded: boolean;
  /** The children reported with the shard end (`ChildShards`), when the service sends them. */
  childShards: ChildShardInfo[] | undefined;
  /** User records dropped because their hash key is outside the shard's range. */
  discardedByHashKeyRange: number;
}

/**
 * Where a shard's records come from. Pull-based: the next batch is fetched only after the previous one was taken
 * (plus at most one prefetched), so a slow processor slows the fetch. Polling (`PollingFetcher`) implements it;
 * enhanced fan-out can implement it beside polling without touching the runner.
 */
export interface RecordsFetcher {
  /** The next batch. Rejects only when the fetcher was closed or failed permanently. */
  next(): Promise<FetchResult>;
  /** Stops fetching; a pending `next()` rejects with `FetcherClosedError`. Idempotent. */
  close(): void;
}

/** What a fetcher needs to start reading a shard. */
export interface FetcherStart {
  shardId: string;
  /**
   * Where to start: a checkpoint (`sequenceNumber` digits, with `subSequenceNumber`), or the sentinels
   * `TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP` (with `timestamp`).
   */
  position: { sequenceNumber: string; subSequenceNumber: number };
  /** The worker's configured `initialPosition` timestamp (for AT_TIMESTAMP leases that carry none). */
  timestamp?: Date | undefined;
  /**
   * The lease's own start time (kinesis-kit attribute `kkStartTimestamp`): where an AT_TIMESTAMP lease starts, and
   * where a LATEST lease is anchored (the tip when its lease was created), so a LATEST start is never re-read from a
   * newer tip.
   */
  startTimestamp?: Date | undefined;
  /** The lease's hash key range: user records outside it are dropped (KCL behaviour after resharding). */
  hashKeyRange?: { startingHashKey: bigint; endingHashKey: bigint } | undefined;
}

export type RecordsFetcherFactory = (start: FetcherStart) => RecordsFetcher;
