import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { isInHashKeyRange } from '@kinesis-kit/aggregation';
import type { Logger, TypedEmitter } from '@kinesis-kit/commons';
import { Collector } from '../collector/Collector.js';
import type { OutgoingRecord } from '../collector/OutgoingRecord.js';
import { type QueueLedger, ShardQueue } from '../collector/ShardQueue.js';
import type { ProducerEvents } from '../events.js';
import type { KeyEntry } from '../keyCache/PartitionKeyCache.js';
import type { ProducerMetrics } from '../metrics/ProducerMetrics.js';
import type { ResolvedProducerOptions } from '../options.js';
import type { PendingRecord } from '../outcome.js';
import { ShardRateLimiter } from '../rateLimiter/ShardRateLimiter.js';
import { Retrier } from '../retrier/Retrier.js';
import { Sender } from '../sender/Sender.js';
import { ShardMap } from '../shardMap/ShardMap.js';
import type { PutResult } from '../types.js';
import { Dispatcher } from './Dispatcher.js';
import { defaultClient } from './defaultClient.js';
import { firstLoadFailure } from './firstLoadFailure.js';
import { ShardMapLoader } from './ShardMapLoader.js';

/** How the pipeline settles records and learns whether a flush is under way. */
export interface PipelineHooks {
  resolve(record: PendingRecord, result: PutResult): void;
  reject(record: PendingRecord, error: Error): void;
  /** True while flush()/close() wants everything sent without waiting for buffering deadlines. */
  isFlushing(): boolean;
}

/**
 * The producer's machinery behind `put()`: routes each accepted record to its predicted shard queue (cached
 * route, else a binary search of the shard map) and keeps the queues in step with the shard map. Sending is the
 * {@link Dispatcher}'s job, loading the map the {@link ShardMapLoader}'s.
 */
export class Pipeline {
  readonly #options: ResolvedProducerOptions;
  readonly #logger: Logger;
  readonly #emitter: TypedEmitter<ProducerEvents>;
  readonly #hooks: PipelineHooks;
  readonly #client: KinesisClient;
  readonly #ownsClient: boolean;
  readonly #shardMap: ShardMap;
  readonly #loader: ShardMapLoader;
  readonly #queues = new Map<string, ShardQueue>();
  /** Queued-record totals and the busy set (see QueueLedger.busy: the shard queues maintain it, not the pipeline). */
  readonly #ledger: QueueLedger = { records: 0, bytes: 0, busy: new Set<ShardQueue>() };
  readonly #retrier: Retrier;
  readonly #dispatcher: Dispatcher;
  readonly #metrics: ProducerMetrics;
  /** Strict ordering (`maxInFlightPerShard: 1`): shards opened by a reshard wait for their closed parents. */
  readonly #strict: boolean;
  /** Closed shards (strict ordering) still holding or sending records; their children wait for them. */
  readonly #draining = new Set<ShardQueue>();
  /** Records accepted before the first shard map arrived. */
  #parked: PendingRecord[] = [];
  #started = false;
  #closed = false;

  constructor(
    options: ResolvedProducerOptions,
    logger: Logger,
    emitter: TypedEmitter<ProducerEvents>,
    metrics: ProducerMetrics,
    hooks: PipelineHooks,
  ) {
    this.#options = options;
    this.#logger = logger.child({ component: 'Pipeline' });
    this.#emitter = emitter;
    this.#hooks = hooks;
    this.#strict = options.maxInFlightPerShard === 1;
    this.#metrics = metrics;
    this.#ownsClient = options.kinesisClient === undefined;
    this.#client = options.kinesisClient ?? defaultClient(options.maxConnections);
    const target = { client: this.#client, streamName: options.streamName, streamArn: options.streamArn };
    this.#shardMap = new ShardMap({ ...target, signal: () => AbortSignal.timeout(options.requestTimeoutMs) });
    this.#loader = new ShardMapLoader(this.#shardMap, options, {
      loaded: (reason, startedAt) => this.#onMapLoaded(reason, startedAt),
      failed: (reason, error) => this.#onMapFailed(reason, error),
    });
    const retrier = new Retrier(
      options,
      {
        resolve: hooks.resolve,
        reject: hooks.reject,
        requeue: (record) => this.#requeue(record),
        mismatch: (record, shardId, sequenceNumber) => this.#mismatch(record, shardId, sequenceNumber),
      },
      emitter,
      metrics,
    );
    this.#retrier = retrier;
    const collector = new Collector(
      this.#ledger.busy,
      {
        maxCount: options.collectionMaxCount,
        maxBytes: options.collectionMaxBytes,
        maxInFlightPerShard: options.maxInFlightPerShard,
        onePerShard: options.maxInFlightPerShard === 1,
      },
      (record) => retrier.expire(record),
    );
    this.#dispatcher = new Dispatcher(options, {
      collector,
      sender: new Sender({ ...target, requestTimeoutMs: options.requestTimeoutMs, clock: options.clock }),
      retrier,
      emitter,
      metrics,
      logger: this.#logger,
      isFlushing: hooks.isFlushing,
    });
  }

  get shardMap(): ShardMap {
    return this.#shardMap;
  }

  /** Routes an accepted record into its shard queue. `entry` caches the route of its partition key. */
  accept(record: PendingRecord, entry: KeyEntry<ShardQueue> | undefined): void {
    const map = this.#shardMap;
    if (!map.ready) {
      this.#parked.push(record);
      if (!this.#started) this.#start();
      return;
    }
    let shard: ShardQueue | undefined;
    if (entry !== undefined && entry.routeVersion === map.version) shard = entry.route;
    else {
      shard = this.#queueFor(record.hash);
      if (entry !== undefined) {
        entry.route = shard;
        entry.routeVersion = map.version;
      }
    }
    if (shard === undefined) {
      // The map has a hole (mid-reshard listing): wait for the next one.
      this.#parked.push(record);
      this.refreshShardMap('no shard for hash key');
      return;
    }
    shard.add(record);
    const totals = this.#ledger;
    if (totals.records >= this.#options.collectionMaxCount || totals.bytes >= this.#options.collectionMaxBytes) {
      this.#dispatcher.schedulePump();
    } else {
      this.#dispatcher.wakeBy(record.acceptedAt + this.#options.maxBufferedTimeMs);
    }
  }

  /** Sends whatever is buffered now (flush). */
  kick(): void {
    this.#dispatcher.schedulePump();
  }

  /** Stops timers and (if the producer made it) destroys the client. Records still held are not touched. */
  close(): void {
    this.#closed = true;
    this.#dispatcher.close();
    this.#loader.close();
    if (this.#ownsClient) this.#client.destroy();
  }

  /**
   * close() was aborted: every record held (parked, aggregating, queued or backing off) fails now with
   * ProducerClosedError carrying its attempts, and from now on so does every record whose request in flight fails
   * or is re-sent after a shard mismatch, instead of being queued again. Records stored by a request in flight
   * still resolve. Afterwards nothing is left to send: every record is settled once the requests in flight answer.
   */
  abandon(): void {
    const retrier = this.#retrier;
    retrier.abandon();
    const parked = this.#parked;
    this.#parked = [];
    for (const record of parked) retrier.closeUser(record, record.allAttempts([]));
    // The busy set holds every queue that holds anything, retired ones included (see QueueLedger.busy).
    for (const shard of [...this.#ledger.busy]) for (const record of shard.takeAll()) retrier.close(record);
  }

  /** Reloads the shard map (coalesced with a load in progress). Never rejects. */
  refreshShardMap(reason: string): Promise<void> {
    return this.#loader.refresh(reason);
  }

  #start(): void {
    this.#started = true;
    void this.refreshShardMap('start');
  }

  #onMapLoaded(reason: string, startedAt: number): void {
    const map = this.#shardMap;
    const now = this.#options.clock.now();
    const open = new Set<string>();
    const created: ShardQueue[] = [];
    for (const info of map.shards) {
      open.add(info.shardId);
      if (!this.#queues.has(info.shardId)) {
        const aggregation = this.#options.aggregationEnabled
          ? {
              maxCount: this.#options.aggregationMaxCount,
              maxBytes: this.#options.aggregationMaxBytes,
              maxRecordBytes: this.#options.maxRecordBytes,
            }
          : undefined;
        this.#queues.set(
          info.shardId,
          new ShardQueue(
            info.shardId,
            new ShardRateLimiter(this.#options.rateLimit, now),
            this.#ledger,
            this.#options.maxBufferedTimeMs,
            this.#options.recordTtlMs,
            aggregation,
            info,
          ),
        );
        const queue = this.#queues.get(info.shardId) as ShardQueue;
        queue.metrics = this.#metrics.recorder?.shard(info.shardId);
        created.push(queue);
      }
    }
    for (const [shardId, queue] of this.#queues) {
      if (open.has(shardId)) continue;
      // Closed by a reshard: it drains what it holds (Kinesis routes by hash key to the child) and is forgotten.
      queue.retired = true;
      this.#queues.delete(shardId);
      if (this.#strict) this.#draining.add(queue);
    }
    if (this.#draining.size > 0) this.#holdChildren(created);
    this.#emitter.emitLazy('producer.shard_map_refreshed', () => ({
      reason,
      shardCount: map.shards.length,
      durationMs: this.#options.clock.now() - startedAt,
    }));
    this.#logger.debug({ reason, shardCount: map.shards.length }, 'shard map loaded');
    this.#loader.armRefreshTimer();
    const parked = this.#parked;
    this.#parked = [];
    for (const record of parked) if (!record.settled) this.accept(record, undefined);
    this.#dispatcher.schedulePump();
  }

  #onMapFailed(reason: string, error: unknown): void {
    this.#emitter.emitLazy('producer.shard_map_refresh_failed', () => ({ reason, error }));
    if (this.#shardMap.ready || this.#closed) {
      this.#logger.warn({ err: error, reason }, 'ListShards failed; keeping the current shard map');
      this.#loader.armRefreshTimer();
      return;
    }
    const verdict = firstLoadFailure(error, this.#options.clock.now(), this.#options.recordTtlMs);
    this.#logger[verdict.log.level]({ ...verdict.log.fields, reason }, verdict.log.message);
    const parked = this.#parked;
    this.#parked = [];
    for (const record of parked) {
      if (record.settled) continue;
      const failed = verdict.errorFor(record);
      if (failed === undefined) this.#parked.push(record);
      else this.#hooks.reject(record, failed);
    }
    if (verdict.fatal) {
      this.#started = false; // the next put() tries again
      return;
    }
    this.#loader.retryLater(reason);
  }

  /**
   * Strict ordering across a reshard: a shard that a reshard opened sends nothing until every closed shard whose
   * hash range overlaps it has settled what it held or was sending (every record of a key in a closed shard was put
   * before any record of that key in its child). Chains work too: a child closed in turn waits for its parent and
   * holds its own children. Costs nothing unless a shard was closed.
   */
  #holdChildren(created: readonly ShardQueue[]): void {
    const onReleased = (queue: ShardQueue) => {
      this.#draining.delete(queue);
      this.#dispatcher.schedulePump();
    };
    for (const parent of this.#draining) {
      const range = parent.range;
      if (range === undefined) continue;
      for (const child of created) {
        const r = child.range;
        if (r !== undefined && r.startingHashKey <= range.endingHashKey && range.startingHashKey <= r.endingHashKey) {
          parent.holdUntilDrained(child, onReleased);
        }
      }
    }
    // Parents with nothing left release at once. One without children in this map (a listing caught mid-reshard)
    // stays until it is drained, to hold children that a later map lists.
    for (const parent of [...this.#draining]) {
      parent.releaseIfDrained();
      if (!parent.holdsSuccessors && parent.drained) this.#draining.delete(parent);
    }
  }

  #queueFor(hash: bigint): ShardQueue | undefined {
    const info = this.#shardMap.lookup(hash);
    return info === undefined ? undefined : this.#queues.get(info.shardId);
  }

  #requeue(record: OutgoingRecord): void {
    record.shard.unshift(record);
  }

  /**
   * A Kinesis record was stored in `shardId`, not the predicted shard: the map is stale. A lone record is simply
   * where Kinesis put it. For an aggregate, the user records whose hash key lies outside the actual shard's range
   * are sent again (a reader that filters by range, as the KCL does, would drop them), each as its own Kinesis
   * record at the FRONT of the queue it came from, so they stay ahead of later records of their keys. When the
   * actual shard is not in the map yet, that queue sends nothing until the reloaded map tells the range.
   */
  #mismatch(record: OutgoingRecord, shardId: string, sequenceNumber: string): void {
    const source = record.shard;
    this.#emitter.emitLazy('producer.shard_mismatch', () => ({
      predictedShardId: source.shardId,
      actualShardId: shardId,
      userRecordCount: record.records.length,
    }));
    const known = this.#shardMap.get(shardId);
    // A closed shard's records landing in its children is expected once the map knows them: no reload needed.
    const refresh = source.retired && known !== undefined ? undefined : this.refreshShardMap('shard mismatch');
    if (!record.aggregated) {
      this.#retrier.resolveAll(record, shardId, sequenceNumber);
      return;
    }
    if (known !== undefined || refresh === undefined) {
      this.#resend(record, shardId, sequenceNumber);
      return;
    }
    source.held++;
    void refresh.then(() => {
      source.held--;
      this.#resend(record, shardId, sequenceNumber);
      if (source.retired) source.releaseIfDrained();
      this.#dispatcher.schedulePump();
    });
  }

  /** Resolves the user records of `record` inside `shardId`'s range; the others go back to the front of its queue. */
  #resend(record: OutgoingRecord, shardId: string, sequenceNumber: string): void {
    const range = this.#shardMap.get(shardId);
    const inRange = (i: number) =>
      range !== undefined && isInHashKeyRange((record.records[i] as PendingRecord).hash, range);
    this.#retrier.resolveAll(record, shardId, sequenceNumber, inRange);
    const again: PendingRecord[] = [];
    for (let i = 0; i < record.records.length; i++) {
      if (inRange(i)) continue;
      const user = record.records[i] as PendingRecord;
      if (user.settled) continue;
      user.priorAttempts = [...user.allAttempts(record.attempts)];
      again.push(user);
    }
    if (again.length === 0) return;
    if (this.#retrier.abandoned) {
      // close() was aborted meanwhile: nothing is sent again.
      for (const user of again) this.#retrier.closeUser(user, user.priorAttempts ?? []);
      return;
    }
    record.shard.unshiftSingles(again);
    this.#dispatcher.schedulePump();
  }
}
