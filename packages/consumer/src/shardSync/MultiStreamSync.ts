import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type Clock, type Logger, systemClock } from '@kinesis-kit/commons';
import { StreamMismatchError } from '../errors.js';
import { type Lease, multiStreamLeaseKey } from '../lease/Lease.js';
import type { LeaseTable } from '../lease/LeaseTable.js';
import type { ChildLeases } from './createChildLeases.js';
import type { InitialPosition } from './ShardGraph.js';
import type { ShardSource } from './ShardSource.js';
import { type ChildShardInfo, ShardSyncer, type SyncResult } from './ShardSyncer.js';

/** One stream of a multi-stream application. */
export interface StreamConfig {
  /** One of `streamName` / `streamArn`. */
  readonly streamName?: string | undefined;
  readonly streamArn?: string | undefined;
  /** Where its shards without a checkpoint start. @default the application's `initialPosition` */
  readonly initialPosition?: InitialPosition | { timestamp: Date } | undefined;
}

/** The streams to read now: polled every `refreshIntervalMs` (the KCL's `MultiStreamTracker.streamConfigList`). */
export type StreamTracker = () => readonly StreamConfig[] | Promise<readonly StreamConfig[]>;

/**
 * What happens to the leases of a stream the application stopped reading: kept (`'none'`: they wait, with their
 * checkpoints, for the stream to come back), or deleted once the stream has been gone for `afterMs` (the KCL's
 * deferred deletion strategies). Deleted leases of a stream that comes back start from its initial position.
 */
export type FormerStreamLeaseDeletion = 'none' | { readonly afterMs: number };

export interface MultiStreamSyncOptions {
  kinesisClient: KinesisClient;
  leaseTable: LeaseTable;
  /** The streams, or a tracker polled every `refreshIntervalMs`. */
  streams: readonly StreamConfig[] | StreamTracker;
  /** For streams without their own. */
  initialPosition: InitialPosition | { timestamp: Date };
  /** How often the tracker is polled (ignored for a fixed list). */
  refreshIntervalMs: number;
  formerStreamLeaseDeletion: FormerStreamLeaseDeletion;
  logger: Logger;
  clock?: Clock;
}

interface TrackedStream {
  readonly id: string;
  readonly config: StreamConfig;
  readonly syncer: ShardSyncer;
}

/**
 * Shard discovery for an application that reads several streams through one lease table, in the KCL multi-stream
 * layout: leases keyed `account:streamName:creationEpoch:shardId` with `streamName` (the stream identifier) and
 * `shardId` attributes, so a KCL multi-stream table is read, and written, as the KCL does. One `ShardSyncer` per
 * stream; every worker polls the tracker (a worker takes only leases of streams it reads, and gives up those of
 * streams it no longer reads); leases of former streams are kept or deleted as `formerStreamLeaseDeletion` says.
 */
export class MultiStreamSync implements ShardSource {
  readonly refreshIntervalMs: number | undefined;
  readonly #o: MultiStreamSyncOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  /** Streams read now, by identifier. */
  readonly #streams = new Map<string, TrackedStream>();
  /** Identifier of each configured name/ARN seen so far (DescribeStreamSummary once per stream). */
  readonly #ids = new Map<string, ShardSyncer>();
  /** Leases of streams not read, with the counter seen and since when (local time) it has not moved. */
  readonly #former = new Map<string, { counter: number; since: number }>();
  #loaded: Promise<void> | undefined;

  constructor(options: MultiStreamSyncOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'MultiStreamSync' });
    this.#clock = options.clock ?? systemClock;
    this.refreshIntervalMs = typeof options.streams === 'function' ? options.refreshIntervalMs : undefined;
  }

  /** The streams read now: identifier → configuration. */
  streams(): ReadonlyMap<string, StreamConfig> {
    return new Map([...this.#streams].map(([id, s]) => [id, s.config]));
  }

  /** A multi-stream table has only multi-stream leases (a single-stream table is another application's). */
  async checkTable(leases: readonly Lease[], tableName: string): Promise<void> {
    await this.#ensureLoaded();
    const single = leases.find((l) => l.shardId === undefined);
    if (single !== undefined)
      throw new StreamMismatchError(
        tableName,
        `${[...this.#streams.keys()].join(', ')} (a multi-stream application)`,
        `${single.stream ?? 'one stream'} (a single-stream table, lease ${single.leaseKey})`,
      );
  }

  tracks(lease: Lease): boolean {
    return lease.shardId !== undefined && lease.stream !== undefined && this.#streams.has(lease.stream);
  }

  leaseKeyOf(sibling: Lease, shardId: string): string {
    return sibling.stream === undefined ? shardId : multiStreamLeaseKey(sibling.stream, shardId);
  }

  async syncOnce(knownLeases?: readonly Lease[]): Promise<SyncResult> {
    await this.#ensureLoaded();
    const leases = knownLeases ?? (await this.#o.leaseTable.listLeases());
    const out: SyncResult = { shardCount: 0, created: [], removed: [] };
    for (const stream of this.#streams.values()) {
      const result = await stream.syncer.syncOnce(leases);
      out.shardCount += result.shardCount;
      out.created.push(...result.created);
      out.removed.push(...result.removed);
    }
    out.removed.push(...(await this.#deleteFormerStreamLeases(leases)));
    return out;
  }

  createChildLeases(ended: Lease, childShards: readonly ChildShardInfo[]): Promise<ChildLeases> {
    const stream = ended.stream === undefined ? undefined : this.#streams.get(ended.stream);
    if (stream === undefined) return Promise.resolve({ childShardIds: [], deferred: [] });
    return stream.syncer.createChildLeases(ended, childShards);
  }

  childShardIdsOf(ended: Lease): string[] {
    const stream = ended.stream === undefined ? undefined : this.#streams.get(ended.stream);
    return stream?.syncer.childShardIdsOf(ended) ?? [];
  }

  /** The configuration of a lease's stream (to read it: its name or ARN), while it is read. */
  streamOf(lease: Lease): StreamConfig | undefined {
    return lease.stream === undefined ? undefined : this.#streams.get(lease.stream)?.config;
  }

  /** Polls the tracker: new streams are described and get their leases now; dropped ones stop being read. */
  async refresh(): Promise<void> {
    const configs = typeof this.#o.streams === 'function' ? await this.#o.streams() : this.#o.streams;
    const next = new Map<string, TrackedStream>();
    for (const config of configs) {
      const name = config.streamArn ?? config.streamName;
      if (name === undefined) continue;
      let syncer = this.#ids.get(name);
      if (syncer === undefined) {
        syncer = new ShardSyncer({
          kinesisClient: this.#o.kinesisClient,
          ...(config.streamArn === undefined ? { streamName: name } : { streamArn: config.streamArn }),
          leaseTable: this.#o.leaseTable,
          initialPosition: config.initialPosition ?? this.#o.initialPosition,
          logger: this.#o.logger,
          clock: this.#clock,
          multiStream: true,
        });
        this.#ids.set(name, syncer);
      }
      const id = await syncer.streamIdentity();
      if (id === undefined) throw new Error(`stream ${name}: its identifier is needed (kinesis:DescribeStreamSummary)`);
      next.set(id, { id, config, syncer });
    }
    const added = [...next.keys()].filter((id) => !this.#streams.has(id));
    const removed = [...this.#streams.keys()].filter((id) => !next.has(id));
    this.#streams.clear();
    for (const [id, stream] of next) this.#streams.set(id, stream);
    if (added.length > 0 || removed.length > 0) this.#logger.info({ added, removed }, 'streams changed');
    // A stream read for the first time gets its leases at once (creation is idempotent across workers).
    if (this.#loaded !== undefined && added.length > 0) {
      const leases = await this.#o.leaseTable.listLeases();
      for (const id of added) await next.get(id)?.syncer.syncOnce(leases);
    }
  }

  #ensureLoaded(): Promise<void> {
    this.#loaded ??= this.refresh().catch((error: unknown) => {
      this.#loaded = undefined;
      throw error;
    });
    return this.#loaded;
  }

  /**
   * Deferred deletion: a lease of a stream not read here is deleted once its counter has not moved for `afterMs` by
   * this worker's clock (nobody renews it: a worker that still reads the stream would), conditional on that counter.
   */
  async #deleteFormerStreamLeases(leases: readonly Lease[]): Promise<string[]> {
    const policy = this.#o.formerStreamLeaseDeletion;
    if (policy === 'none') return [];
    const now = this.#clock.now();
    const removed: string[] = [];
    const seen = new Set<string>();
    for (const lease of leases) {
      if (lease.shardId === undefined || lease.stream === undefined || this.#streams.has(lease.stream)) continue;
      seen.add(lease.leaseKey);
      const previous = this.#former.get(lease.leaseKey);
      const since = previous?.counter === lease.leaseCounter ? previous.since : now;
      this.#former.set(lease.leaseKey, { counter: lease.leaseCounter, since });
      if (now - since < policy.afterMs) continue;
      if (await this.#o.leaseTable.deleteLease(lease.leaseKey, lease.leaseCounter)) removed.push(lease.leaseKey);
    }
    for (const key of this.#former.keys()) if (!seen.has(key) || removed.includes(key)) this.#former.delete(key);
    if (removed.length > 0) this.#logger.info({ removed }, 'deleted leases of former streams');
    return removed;
  }
}
