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
  rejectUnknownOptions,
  sleep,
  systemClock,
} from '@kinesis-kit/commons';
import { anchorTime, type ServiceTime, serviceTime } from '../clients/serviceTime.js';
import { ShardSyncError, StreamMismatchError } from '../errors.js';
import { type Lease, leaseShardId, multiStreamLeaseKey } from '../lease/Lease.js';
import type { LeaseTable } from '../lease/LeaseTable.js';
import { type ChildLeases, createChildLeases } from './createChildLeases.js';
import { type InitialPosition, parentShardIds, planLeases } from './ShardGraph.js';
import type { ShardSource } from './ShardSource.js';

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
  /**
   * Keys leases in the KCL multi-stream layout (`account:streamName:creationEpoch:shardId`, with `streamName` and
   * `shardId` attributes), for a table that serves several streams (see `MultiStreamSync`). @default false
   */
  multiStream?: boolean;
}

const SHARD_SYNCER_KEYS = Object.keys({
  kinesisClient: true,
  streamName: true,
  streamArn: true,
  leaseTable: true,
  initialPosition: true,
  logger: true,
  maxListShardsAttempts: true,
  clock: true,
  multiStream: true,
} satisfies Record<keyof ShardSyncerOptions, true>);

/** Rounds of creation a sync makes when another worker's creations interleave with its own. */
const CREATE_ROUNDS = 3;

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
export class ShardSyncer implements ShardSource {
  readonly #o: ShardSyncerOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  /** The service's clock, as the Kinesis client's answers tell it (a `LATEST` lease's anchor). */
  readonly #serviceTime: ServiceTime;
  #lastShards: readonly Shard[] = [];
  /** The stream's identifier once known (undefined: not looked up yet; null: not available). */
  #identity: string | null | undefined;

  constructor(options: ShardSyncerOptions) {
    rejectUnknownOptions(options, SHARD_SYNCER_KEYS);
    if ((options.streamName === undefined) === (options.streamArn === undefined)) {
      throw new TypeError('ShardSyncer needs exactly one of streamName / streamArn');
    }
    this.#o = options;
    this.#logger = options.logger.child({ component: 'ShardSyncer' });
    this.#clock = options.clock ?? systemClock;
    this.#serviceTime = serviceTime([options.kinesisClient], this.#clock);
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

  /** Refuses a table whose leases belong to another stream (or to an earlier stream of the same name). */
  async checkTable(leases: readonly Lease[], tableName: string): Promise<void> {
    const stream = await this.streamIdentity();
    if (this.#o.multiStream === true) return; // MultiStreamSync checks the table as a whole
    // A multi-stream table: its leases are keyed by stream; a single-stream worker would not see them as such.
    const multi = leases.find((l) => l.shardId !== undefined);
    if (multi !== undefined)
      throw new StreamMismatchError(tableName, stream ?? this.#name, `${multi.stream ?? '?'} (a multi-stream table)`);
    if (stream === undefined) return;
    const foreign = leases.find((l) => l.stream !== undefined && l.stream !== stream);
    if (foreign?.stream !== undefined) throw new StreamMismatchError(tableName, stream, foreign.stream);
  }

  tracks(lease: Lease): boolean {
    if (this.#o.multiStream !== true) return lease.shardId === undefined;
    const id = this.#identity;
    return typeof id === 'string' && lease.stream === id && lease.shardId !== undefined;
  }

  leaseKeyOf(_sibling: Lease, shardId: string): string {
    return this.#keyOf(shardId);
  }

  #keyOf(shardId: string): string {
    return this.#o.multiStream === true && typeof this.#identity === 'string'
      ? multiStreamLeaseKey(this.#identity, shardId)
      : shardId;
  }

  /** The shards of the last listing whose parents include the ended lease's shard. */
  childShardIdsOf(ended: Lease): string[] {
    const shardId = leaseShardId(ended);
    return this.#lastShards
      .filter((s) => s.ParentShardId === shardId || s.AdjacentParentShardId === shardId)
      .map((s) => s.ShardId as string);
  }

  async syncOnce(knownLeases?: readonly Lease[]): Promise<SyncResult> {
    const shards = await this.listShards();
    this.#lastShards = shards;
    const stream = await this.streamIdentity();
    const multi = this.#o.multiStream === true;
    if (multi && stream === undefined)
      throw new ShardSyncError(
        this.#name,
        { retriable: false },
        'DescribeStreamSummary (multi-stream needs the stream identifier)',
      );
    const leaseList = (knownLeases ?? (await this.#o.leaseTable.listLeases())).filter((l) => this.tracks(l));
    const leases = new Map(leaseList.map((l) => [leaseShardId(l), l]));
    const { initialPosition } = this.#o;
    const position = typeof initialPosition === 'string' ? initialPosition : 'AT_TIMESTAMP';
    const fields = {
      // A LATEST lease is anchored at its creation, by the service's clock (the ListShards answer just read):
      // records written before the application started stay unread, none written after it is skipped.
      startTimestamp:
        typeof initialPosition === 'object' ? initialPosition.timestamp.getTime() : anchorTime(this.#serviceTime),
      stream,
      multiStream: multi,
    };
    const plan = planLeases(shards, leases, position, fields);
    // The leases planned from are a Scan's (eventually consistent, and often the last take's: seconds old, or from
    // before a pause). A lease missing there makes its shard's descendants look like roots, and a LATEST root skips
    // what its leased ancestors' successors must read. So nothing is created from that view: the creations are
    // planned again from a strongly consistent read of the leases of the listed shards and their parents.
    const created =
      plan.create.length === 0
        ? []
        : await this.#createFromConsistentView(shards, (read) => planLeases(shards, read, position, fields).create);
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
   * Creates the leases `plan` asks for given a strongly consistent read, parents first. A create refused because the
   * lease exists means another worker synced meanwhile, maybe from another listing (an older one: a shard still open
   * there, a `LATEST` lease for it): the rest — its descendants — is planned again from a fresh read, not created
   * from a view that missed it. A few rounds; what is left waits for the next sync.
   */
  async #createFromConsistentView(
    shards: readonly Shard[],
    plan: (read: ReadonlyMap<string, Lease>) => Lease[],
  ): Promise<string[]> {
    const created: string[] = [];
    for (let round = 0; round < CREATE_ROUNDS; round++) {
      let refused = false;
      for (const lease of plan(await this.#readLeasesOf(shards))) {
        if (!(await this.#o.leaseTable.createLeaseIfNotExists(lease))) {
          refused = true;
          break;
        }
        created.push(lease.leaseKey);
      }
      if (!refused) break;
    }
    return created;
  }

  /** The leases (strongly consistent) of the listed shards and of their parents, by shard id. */
  async #readLeasesOf(shards: readonly Shard[]): Promise<Map<string, Lease>> {
    const ids = new Set<string>();
    for (const shard of shards) {
      if (shard.ShardId !== undefined) ids.add(shard.ShardId);
      for (const parent of parentShardIds(shard)) ids.add(parent);
    }
    const read = await this.#o.leaseTable.getLeases([...ids].map((id) => this.#keyOf(id)));
    const byShard = new Map<string, Lease>();
    for (const lease of read.values()) if (this.tracks(lease)) byShard.set(leaseShardId(lease), lease);
    return byShard;
  }

  /**
   * Leases for a finished shard's children, from the `ChildShards` its last read returned (see
   * `createChildLeases`: a merged child whose other parent has no lease yet is deferred to a shard sync).
   */
  async createChildLeases(_ended: Lease | undefined, childShards: readonly ChildShardInfo[]): Promise<ChildLeases> {
    return createChildLeases(
      this.#o.leaseTable,
      childShards,
      await this.streamIdentity(),
      this.#o.multiStream === true,
    );
  }

  /** The stream's name (or ARN) as configured. */
  get #name(): string {
    return this.#o.streamName ?? this.#o.streamArn ?? '';
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
