import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import {
  backoffDelay,
  type Clock,
  isAwsError,
  isRetriableAwsError,
  type Logger,
  sleep,
  systemClock,
} from '@kinesis-kit/commons';
import { ShardSyncError } from '../errors.js';
import type { Lease } from '../lease/Lease.js';
import type { LeaseTable } from '../lease/LeaseTable.js';
import { type ChildLeases, createChildLeases } from './createChildLeases.js';
import { type InitialPosition, planLeases } from './ShardGraph.js';

/** A child shard as `GetRecords`/`SubscribeToShard` report it at a shard's end. */
export interface ChildShardInfo {
  ShardId?: string | undefined;
  ParentShards?: string[] | undefined;
  HashKeyRange?: { StartingHashKey?: string | undefined; EndingHashKey?: string | undefined } | undefined;
}

export interface ShardSyncerOptions {
  kinesisClient: KinesisClient;
  /** One of `streamName` / `streamArn`. */
  streamName?: string;
  streamArn?: string;
  leaseTable: LeaseTable;
  /** For shards nobody processed yet; a `{ timestamp }` is stored as the `AT_TIMESTAMP` sentinel (the reader keeps the date). */
  initialPosition: InitialPosition | { timestamp: Date };
  logger: Logger;
  /** Attempts per ListShards page on throttling/5xx. @default 5 */
  maxListShardsAttempts?: number;
  /** @default systemClock */
  clock?: Clock;
}

/** What one sync changed. */
export interface SyncResult {
  shardCount: number;
  created: string[];
  removed: string[];
}

/**
 * Shard discovery (`syncOnce`): list every shard (paginated `ListShards`), then create the leases
 * `planLeases` asks for and remove those of shards gone past retention. Creation is `attribute_not_exists`,
 * deletion conditional on the counter read, so concurrent syncs on several workers are harmless.
 */
export class ShardSyncer {
  readonly #o: ShardSyncerOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  #lastShards: readonly Shard[] = [];
  /** The stream's identifier once known (undefined: not looked up yet; null: not available). */
  #identity: string | null | undefined;

  constructor(options: ShardSyncerOptions) {
    if ((options.streamName === undefined) === (options.streamArn === undefined)) {
      throw new TypeError('ShardSyncer needs exactly one of streamName / streamArn');
    }
    this.#o = options;
    this.#logger = options.logger.child({ component: 'ShardSyncer' });
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * The stream's identifier as the KCL writes one, `account:streamName:creationEpoch` (from
   * `DescribeStreamSummary`, once): a stream deleted and re-created under its name has another one. `undefined`
   * when the caller may not describe the stream (the check it serves is then skipped, with a warning).
   */
  async streamIdentity(): Promise<string | undefined> {
    if (this.#identity !== undefined) return this.#identity ?? undefined;
    try {
      const out = await this.#withRetries('DescribeStreamSummary', () =>
        this.#o.kinesisClient.send(
          new DescribeStreamSummaryCommand(
            this.#o.streamArn !== undefined ? { StreamARN: this.#o.streamArn } : { StreamName: this.#o.streamName },
          ),
        ),
      );
      const summary = out.StreamDescriptionSummary;
      const account = summary?.StreamARN?.split(':')[4];
      const created = summary?.StreamCreationTimestamp;
      this.#identity =
        summary?.StreamName && account && created
          ? `${account}:${summary.StreamName}:${Math.floor(created.getTime() / 1000)}`
          : null;
    } catch (error) {
      if (!(error instanceof ShardSyncError && isAwsError(error.cause, 'AccessDeniedException'))) throw error;
      this.#logger.warn(
        { err: error },
        'cannot describe the stream: grant kinesis:DescribeStreamSummary so a lease table of another stream is refused',
      );
      this.#identity = null;
    }
    return this.#identity ?? undefined;
  }

  /** The shards of the last listing whose parents include `shardId`. */
  childShardIdsOf(shardId: string): string[] {
    return this.#lastShards
      .filter((s) => s.ParentShardId === shardId || s.AdjacentParentShardId === shardId)
      .map((s) => s.ShardId as string);
  }

  async syncOnce(knownLeases?: readonly Lease[]): Promise<SyncResult> {
    const shards = await this.listShards();
    this.#lastShards = shards;
    const leaseList = knownLeases ?? (await this.#o.leaseTable.listLeases());
    const leases = new Map(leaseList.map((l) => [l.leaseKey, l]));
    const { initialPosition } = this.#o;
    const position = typeof initialPosition === 'string' ? initialPosition : 'AT_TIMESTAMP';
    const plan = planLeases(shards, leases, position, {
      // A LATEST lease is anchored at its creation: records written before the application started stay unread.
      startTimestamp: typeof initialPosition === 'object' ? initialPosition.timestamp.getTime() : Date.now(),
      stream: await this.streamIdentity(),
    });
    const created: string[] = [];
    for (const lease of plan.create) {
      if (await this.#o.leaseTable.createLeaseIfNotExists(lease)) created.push(lease.leaseKey);
    }
    const removed: string[] = [];
    for (const lease of plan.remove) {
      if (await this.#o.leaseTable.deleteLease(lease.leaseKey, lease.leaseCounter)) removed.push(lease.leaseKey);
    }
    if (created.length > 0 || removed.length > 0) {
      this.#logger.info({ created, removed, shardCount: shards.length }, 'shard sync changed leases');
    }
    return { shardCount: shards.length, created, removed };
  }

  /**
   * Leases for a finished shard's children, from the `ChildShards` its last read returned (see
   * `createChildLeases`: a merged child whose other parent has no lease yet is deferred to a shard sync).
   */
  async createChildLeases(childShards: readonly ChildShardInfo[]): Promise<ChildLeases> {
    return createChildLeases(this.#o.leaseTable, childShards, await this.streamIdentity());
  }

  /** Every shard of the stream, open and closed (within retention). */
  async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const input: ListShardsCommandInput =
        nextToken !== undefined
          ? { NextToken: nextToken }
          : this.#o.streamArn !== undefined
            ? { StreamARN: this.#o.streamArn }
            : { StreamName: this.#o.streamName };
      const page = await this.#listShardsPage(input);
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return shards;
  }

  #listShardsPage(input: ListShardsCommandInput) {
    return this.#withRetries('ListShards', () => this.#o.kinesisClient.send(new ListShardsCommand(input)));
  }

  /** Retries throttling, 5xx, timeouts and dropped connections; then (or for anything else) a `ShardSyncError`. */
  async #withRetries<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const attempts = this.#o.maxListShardsAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const retriable = isRetriableAwsError(error);
        if (!retriable || attempt >= attempts || isAwsError(error, 'AccessDeniedException'))
          throw new ShardSyncError(
            this.#o.streamName ?? this.#o.streamArn ?? '',
            { cause: error, retriable },
            operation,
          );
        await sleep(backoffDelay(attempt, { baseDelayMs: 200, maxDelayMs: 5_000 }), undefined, this.#clock);
      }
    }
  }
}
