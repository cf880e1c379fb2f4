import http from 'node:http';
import https from 'node:https';
import { type KinesisClient, KinesisClient as SdkKinesisClient } from '@aws-sdk/client-kinesis';
import { isInHashKeyRange } from '@kinesis-kit/aggregation';
import { backoffDelay, type Logger, type TimerHandle, type TypedEmitter } from '@kinesis-kit/commons';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import PQueue from 'p-queue';
import { type Batch, Collector } from '../collector/Collector.js';
import type { OutgoingRecord } from '../collector/OutgoingRecord.js';
import { type QueueTotals, ShardQueue } from '../collector/ShardQueue.js';
import { RecordExpiredError, RecordRejectedError } from '../errors.js';
import type { ProducerEvents } from '../events.js';
import type { KeyEntry } from '../keyCache/PartitionKeyCache.js';
import type { ProducerMetrics } from '../metrics.js';
import type { ResolvedProducerOptions } from '../options.js';
import type { PendingRecord } from '../outcome.js';
import { ShardRateLimiter } from '../rateLimiter/ShardRateLimiter.js';
import { classifyRequestError, FailureKind } from '../retrier/classifyFailure.js';
import { Retrier } from '../retrier/Retrier.js';
import { Sender } from '../sender/Sender.js';
import { ShardMap } from '../shardMap/ShardMap.js';
import type { PutResult } from '../types.js';

/** How the pipeline settles records and learns whether a flush is under way. */
export interface PipelineHooks {
  resolve(record: PendingRecord, result: PutResult): void;
  reject(record: PendingRecord, error: Error): void;
  /** True while flush()/close() wants everything sent without waiting for buffering deadlines. */
  isFlushing(): boolean;
}

/**
 * The producer's machinery behind `put()`: routes each accepted record to its predicted shard queue (cached
 * route, else a binary search of the shard map), lets the collector cut PutRecords batches, sends them through a
 * p-queue of `maxConnections`, and hands outcomes to the retrier. One timer (unref'd) wakes it for the earliest
 * buffering deadline, backoff or rate-limit refill; no per-record timers.
 */
export class Pipeline {
  readonly #options: ResolvedProducerOptions;
  readonly #logger: Logger;
  readonly #emitter: TypedEmitter<ProducerEvents>;
  readonly #hooks: PipelineHooks;
  readonly #client: KinesisClient;
  readonly #ownsClient: boolean;
  readonly #shardMap: ShardMap;
  readonly #queues = new Map<string, ShardQueue>();
  readonly #busy = new Set<ShardQueue>();
  readonly #totals: QueueTotals = { records: 0, bytes: 0 };
  readonly #collector: Collector;
  readonly #sender: Sender;
  readonly #retrier: Retrier;
  readonly #requests: PQueue;
  /** Requests handed to the p-queue and not finished. */
  #inFlightRequests = 0;
  /** Records accepted before the first shard map arrived. */
  #parked: PendingRecord[] = [];
  #loading: Promise<void> | undefined;
  #loadFailures = 0;
  #started = false;
  #closed = false;
  #pumpScheduled = false;
  #timer: TimerHandle | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #refreshTimer: TimerHandle | undefined;
  #retryLoadTimer: TimerHandle | undefined;

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
    this.#ownsClient = options.kinesisClient === undefined;
    this.#client = options.kinesisClient ?? defaultClient(options.maxConnections);
    const target = { client: this.#client, streamName: options.streamName, streamArn: options.streamArn };
    this.#shardMap = new ShardMap({ ...target, signal: () => AbortSignal.timeout(options.requestTimeoutMs) });
    this.#sender = new Sender({ ...target, requestTimeoutMs: options.requestTimeoutMs, clock: options.clock });
    this.#requests = new PQueue({ concurrency: options.maxConnections });
    this.#collector = new Collector(
      this.#busy,
      {
        maxCount: options.collectionMaxCount,
        maxBytes: options.collectionMaxBytes,
        maxInFlightPerShard: options.maxInFlightPerShard,
        onePerShard: options.maxInFlightPerShard === 1,
      },
      (record) => this.#retrier.expire(record),
    );
    this.#retrier = new Retrier(
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
    this.#metrics = metrics;
  }

  readonly #metrics: ProducerMetrics;

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
    if (!shard.busy) {
      shard.busy = true;
      this.#busy.add(shard);
    }
    const totals = this.#totals;
    if (totals.records >= this.#options.collectionMaxCount || totals.bytes >= this.#options.collectionMaxBytes) {
      this.#schedulePump();
    } else {
      const deadline = record.acceptedAt + this.#options.maxBufferedTimeMs;
      if (deadline < this.#wakeAt) this.#armTimer(deadline);
    }
  }

  /** Sends whatever is buffered now (flush). */
  kick(): void {
    this.#schedulePump();
  }

  /** Stops timers and (if the producer made it) destroys the client. Records still held are not touched. */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#refreshTimer?.cancel();
    this.#retryLoadTimer?.cancel();
    this.#requests.clear();
    if (this.#ownsClient) this.#client.destroy();
  }

  /** Every user record still held (parked, aggregating or queued; not in flight), removed. */
  takeAllHeld(): PendingRecord[] {
    const held = this.#parked;
    this.#parked = [];
    for (const shard of this.#queues.values()) held.push(...shard.takeAll());
    for (const shard of this.#busy) if (!this.#queues.has(shard.shardId)) held.push(...shard.takeAll());
    this.#busy.clear();
    this.#totals.records = 0;
    this.#totals.bytes = 0;
    return held;
  }

  /** Reloads the shard map (coalesced with a load in progress). Never rejects. */
  refreshShardMap(reason: string): Promise<void> {
    if (this.#loading !== undefined) return this.#loading;
    const startedAt = this.#options.clock.now();
    this.#loading = this.#shardMap
      .load()
      .then(
        () => this.#onMapLoaded(reason, startedAt),
        (error: unknown) => this.#onMapFailed(reason, error),
      )
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }

  #start(): void {
    this.#started = true;
    void this.refreshShardMap('start');
  }

  #onMapLoaded(reason: string, startedAt: number): void {
    this.#loadFailures = 0;
    const map = this.#shardMap;
    const now = this.#options.clock.now();
    const open = new Set<string>();
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
            this.#totals,
            this.#options.maxBufferedTimeMs,
            aggregation,
          ),
        );
      }
    }
    for (const [shardId, queue] of this.#queues) {
      if (open.has(shardId)) continue;
      // Closed by a reshard: it drains what it holds (Kinesis routes by hash key to the child) and is forgotten.
      queue.retired = true;
      this.#queues.delete(shardId);
      if (!queue.idle && !queue.busy) {
        queue.busy = true;
        this.#busy.add(queue);
      }
    }
    this.#emitter.emitLazy('producer.shard_map_refreshed', () => ({
      reason,
      shardCount: map.shards.length,
      durationMs: this.#options.clock.now() - startedAt,
    }));
    this.#logger.debug({ reason, shardCount: map.shards.length }, 'shard map loaded');
    this.#armRefreshTimer();
    const parked = this.#parked;
    this.#parked = [];
    for (const record of parked) if (!record.settled) this.accept(record, undefined);
    this.#schedulePump();
  }

  #onMapFailed(reason: string, error: unknown): void {
    this.#loadFailures++;
    this.#emitter.emitLazy('producer.shard_map_refresh_failed', () => ({ reason, error }));
    this.#logger.warn({ err: error, reason }, 'ListShards failed');
    if (this.#shardMap.ready || this.#closed) {
      this.#armRefreshTimer();
      return;
    }
    const failure = classifyRequestError(error);
    const now = this.#options.clock.now();
    const parked = this.#parked;
    this.#parked = [];
    for (const record of parked) {
      if (failure.kind === FailureKind.FATAL) {
        this.#hooks.reject(
          record,
          new RecordRejectedError(`ListShards failed: ${failure.code}: ${failure.message}`, record.input, [], {
            errorCode: failure.code,
            cause: error,
          }),
        );
      } else if (record.expiresAt <= now) {
        this.#hooks.reject(
          record,
          new RecordExpiredError(
            `Record expired while the shard map could not be loaded (${failure.code})`,
            record.input,
            [],
            {
              errorCode: failure.code,
              cause: error,
              retriable: true,
            },
          ),
        );
      } else this.#parked.push(record);
    }
    if (failure.kind === FailureKind.FATAL) {
      this.#started = false; // the next put() tries again
      return;
    }
    const delay = backoffDelay(
      this.#loadFailures,
      { baseDelayMs: this.#options.retryBaseDelayMs, maxDelayMs: this.#options.retryMaxDelayMs },
      this.#options.random,
    );
    this.#retryLoadTimer?.cancel();
    this.#retryLoadTimer = this.#options.clock.setTimeout(() => {
      if (!this.#closed) void this.refreshShardMap(reason);
    }, delay);
  }

  #armRefreshTimer(): void {
    const interval = this.#options.shardMapRefreshIntervalMs;
    if (interval === 0 || !Number.isFinite(interval) || this.#closed) return;
    this.#refreshTimer?.cancel();
    this.#refreshTimer = this.#options.clock.setTimeout(() => {
      if (!this.#closed) void this.refreshShardMap('interval');
    }, interval);
  }

  #queueFor(hash: bigint): ShardQueue | undefined {
    const info = this.#shardMap.lookup(hash);
    return info === undefined ? undefined : this.#queues.get(info.shardId);
  }

  #requeue(record: OutgoingRecord): void {
    const shard = record.shard;
    shard.unshift(record);
    if (!shard.busy) {
      shard.busy = true;
      this.#busy.add(shard);
    }
  }

  /**
   * A Kinesis record was stored in `shardId`, not the predicted shard: the map is stale. A lone record is simply
   * where Kinesis put it. For an aggregate, the map is reloaded and the user records whose hash key lies outside
   * the actual shard's range are sent again (a reader that filters by range, as the KCL does, would drop them).
   */
  #mismatch(record: OutgoingRecord, shardId: string, sequenceNumber: string): void {
    this.#emitter.emitLazy('producer.shard_mismatch', () => ({
      predictedShardId: record.shard.shardId,
      actualShardId: shardId,
      userRecordCount: record.records.length,
    }));
    const refresh = this.refreshShardMap('shard mismatch');
    if (!record.aggregated) {
      this.#retrier.resolveAll(record, shardId, sequenceNumber);
      return;
    }
    void refresh.then(() => {
      const range = this.#shardMap.get(shardId);
      const inRange = (i: number) =>
        range !== undefined && isInHashKeyRange((record.records[i] as PendingRecord).hash, range);
      this.#retrier.resolveAll(record, shardId, sequenceNumber, inRange);
      for (let i = 0; i < record.records.length; i++) {
        if (inRange(i)) continue;
        const user = record.records[i] as PendingRecord;
        if (user.settled) continue;
        user.priorAttempts = [...user.allAttempts(record.attempts)];
        this.accept(user, undefined);
      }
      this.#schedulePump();
    });
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #armTimer(at: number): void {
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#wakeAt = at;
    const delay = Math.max(0, at - this.#options.clock.now());
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#wakeAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, delay);
  }

  #pump(): void {
    if (this.#closed) return;
    const now = this.#options.clock.now();
    const force = this.#hooks.isFlushing();
    let wake = Number.POSITIVE_INFINITY;
    while (this.#inFlightRequests < this.#options.maxConnections) {
      const batch = this.#collector.collect(now, force);
      if (batch === undefined) {
        wake = this.#collector.nextWakeAt;
        break;
      }
      this.#dispatch(batch, now);
    }
    if (this.#inFlightRequests >= this.#options.maxConnections) {
      // A finishing request pumps again, but an open aggregate's deadline still needs a wake-up.
      wake = Number.POSITIVE_INFINITY;
    }
    if (wake < this.#wakeAt || (this.#timer === undefined && Number.isFinite(wake))) {
      if (Number.isFinite(wake)) this.#armTimer(wake);
    }
  }

  #dispatch(batch: Batch, now: number): void {
    this.#inFlightRequests++;
    const metrics = this.#metrics;
    let users = 0;
    for (const record of batch.records) {
      users += record.records.length;
      if (!record.sent) {
        record.sent = true;
        metrics.bufferingTime.addSum(now * record.records.length - record.acceptedAtSum, record.records.length);
      }
    }
    metrics.kinesisRecordsPerRequest.add(batch.records.length);
    void this.#requests.add(async () => {
      const outcome = await this.#sender.send(batch.records);
      metrics.requestTime.add(outcome.durationMs);
      this.#inFlightRequests--;
      for (const shard of batch.shards) shard.inFlight--;
      try {
        this.#retrier.handle(batch.records, outcome);
      } catch (error) {
        this.#logger.error({ err: error }, 'handling a PutRecords outcome failed');
      }
      const failedCount = outcome.entries === undefined ? batch.records.length : countFailed(outcome.entries);
      this.#emitter.emitLazy('producer.put_records', () => ({
        recordCount: batch.records.length,
        userRecordCount: users,
        shardCount: batch.shards.length,
        bytes: batch.bytes,
        durationMs: outcome.durationMs,
        failedRecordCount: failedCount,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      }));
      this.#schedulePump();
    });
  }
}

/**
 * The client made when none is given: our retrier owns retries (`maxAttempts: 1`), and HTTP/1.1 keep-alive
 * connections, `maxConnections` of them, as the KPL's `MaxConnections` (the SDK's default for Kinesis is HTTP/2 with
 * a fresh session per call). Idle keep-alive sockets are unref'd by Node, so they never hold a process open.
 */
function defaultClient(maxConnections: number): KinesisClient {
  const agentOptions = { keepAlive: true, maxSockets: maxConnections };
  return new SdkKinesisClient({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    }),
  });
}

function countFailed(entries: readonly { ErrorCode?: string | undefined }[]): number {
  let failed = 0;
  for (const entry of entries) if (entry.ErrorCode !== undefined) failed++;
  return failed;
}
