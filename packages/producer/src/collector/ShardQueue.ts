import { RecordAggregator } from '@kinesis-kit/aggregation';
import type { ShardMetrics } from '../metrics/ShardMetrics.js';
import type { PendingRecord } from '../outcome.js';
import type { ShardRateLimiter } from '../rateLimiter/ShardRateLimiter.js';
import type { HashKeyRange } from '../shardMap/ShardMap.js';
import { Deque } from './Deque.js';
import { OutgoingRecord } from './OutgoingRecord.js';

/** What every shard queue of one producer shares. */
export interface QueueLedger {
  /** Kinesis records sitting in shard queues (not in flight). */
  records: number;
  /** Their bytes. */
  bytes: number;
  /**
   * The queues the collector visits, in visiting order: the only record of which queues are "busy". A queue joins
   * it itself whenever it stops being idle (every mutator below checks), so a queue that holds something is always
   * in it; only the collector removes a queue, when it finds it idle. Nothing else may add or delete.
   */
  readonly busy: Set<ShardQueue>;
}

/** Aggregation settings of a shard queue; `undefined` turns aggregation off. */
export interface AggregationSettings {
  maxCount: number;
  maxBytes: number;
  maxRecordBytes: number;
}

/**
 * Everything the producer holds for one predicted shard: the open aggregate (user records being packed), the queue
 * of sealed Kinesis records in `put()` order (retries go back to the front), the shard's rate limiter and how many
 * requests carrying its records are in flight.
 */
export class ShardQueue {
  readonly shardId: string;
  readonly limiter: ShardRateLimiter;
  readonly queue = new Deque<OutgoingRecord>();
  /** PutRecords requests in flight that carry records of this shard. */
  inFlight = 0;
  /** No longer in the shard map (closed by a reshard): receives no new records, drains what it has. */
  retired = false;
  /**
   * Reasons this queue may not send now (0 almost always): a closed parent shard that still holds or is sending
   * records of its hash range (strict ordering), or a shard mismatch whose re-sends are not queued yet.
   */
  held = 0;
  /** Its hash key range when the shard map listed it (to find the children of a closed shard). */
  readonly range: HashKeyRange | undefined;
  /** Its published metrics; undefined unless a metrics sink is configured. */
  metrics: ShardMetrics | undefined = undefined;

  readonly #aggregator: RecordAggregator | undefined;
  readonly #ledger: QueueLedger;
  readonly #maxBufferedTimeMs: number;
  readonly #recordTtlMs: number;
  /** User records in the open aggregate, in order. */
  #open: PendingRecord[] = [];
  #openDeadline = Number.POSITIVE_INFINITY;
  #openExpiresAt = Number.POSITIVE_INFINITY;
  #openAcceptedAtSum = 0;
  #openDataBytes = 0;
  /** Queues held until this one (closed by a reshard) has settled everything it had; undefined almost always. */
  #successors: ShardQueue[] | undefined;
  #onReleased: ((queue: ShardQueue) => void) | undefined;

  constructor(
    shardId: string,
    limiter: ShardRateLimiter,
    ledger: QueueLedger,
    maxBufferedTimeMs: number,
    recordTtlMs: number,
    aggregation: AggregationSettings | undefined,
    range?: HashKeyRange,
  ) {
    this.shardId = shardId;
    this.range = range;
    this.limiter = limiter;
    this.#ledger = ledger;
    this.#maxBufferedTimeMs = maxBufferedTimeMs;
    this.#recordTtlMs = recordTtlMs;
    this.#aggregator = aggregation === undefined ? undefined : new RecordAggregator(aggregation);
  }

  /** When the open aggregate must be sealed (Infinity when none is open). */
  get openDeadline(): number {
    return this.#openDeadline;
  }

  get hasOpen(): boolean {
    return this.#open.length > 0;
  }

  /** True when nothing is queued or being aggregated. */
  get idle(): boolean {
    return this.#open.length === 0 && this.queue.length === 0;
  }

  /** Adds an accepted user record (aggregating it, or queueing it as its own Kinesis record). */
  add(record: PendingRecord): void {
    const aggregator = this.#aggregator;
    if (aggregator === undefined) {
      // push() joins the busy set.
      const deadline = record.acceptedAt + this.#maxBufferedTimeMs;
      this.push(
        new OutgoingRecord(
          this,
          [record],
          record.data,
          record.partitionKey,
          record.explicitHashKey,
          false,
          record.bytes - record.data.length,
          deadline,
          record.acceptedAt + this.#recordTtlMs,
          record.acceptedAt,
          record.data.length,
        ),
      );
      return;
    }
    // The key's cache entry spares the aggregator its key lookup (records routed by explicit hash key have none).
    const slot = record.keyEntry;
    if (this.#open.length > 0 && !aggregator.wouldFit(record, slot)) this.seal();
    aggregator.add(record, slot);
    if (this.#open.length === 0) {
      if (this.queue.length === 0) this.#ledger.busy.add(this);
      this.#openDeadline = record.acceptedAt + this.#maxBufferedTimeMs;
      this.#openExpiresAt = record.acceptedAt + this.#recordTtlMs;
    }
    this.#open.push(record);
    this.#openAcceptedAtSum += record.acceptedAt;
    this.#openDataBytes += record.data.length;
  }

  /** Seals the open aggregate (if any) into a Kinesis record at the back of the queue. */
  seal(): void {
    if (this.#open.length === 0 || this.#aggregator === undefined) return;
    const built = this.#aggregator.build();
    const records = this.#open;
    const first = records[0] as PendingRecord;
    const keyBytes = built.aggregated ? built.partitionKey.length : first.bytes - first.data.length;
    this.push(
      new OutgoingRecord(
        this,
        records,
        built.data,
        built.partitionKey,
        built.explicitHashKey,
        built.aggregated,
        keyBytes,
        this.#openDeadline,
        this.#openExpiresAt,
        this.#openAcceptedAtSum,
        this.#openDataBytes,
      ),
    );
    this.#open = [];
    this.#openDeadline = Number.POSITIVE_INFINITY;
    this.#openExpiresAt = Number.POSITIVE_INFINITY;
    this.#openAcceptedAtSum = 0;
    this.#openDataBytes = 0;
  }

  /** A sent aggregate of this queue was stored: its memory serves the next aggregate (see RecordAggregator.recycle). */
  recycle(record: OutgoingRecord): void {
    if (record.aggregated) this.#aggregator?.recycle(record.data);
  }

  push(record: OutgoingRecord): void {
    if (this.idle) this.#ledger.busy.add(this);
    this.queue.push(record);
    this.#ledger.records++;
    this.#ledger.bytes += record.bytes;
  }

  /** Puts a record back at the front (a retry: it goes before anything queued after it). */
  unshift(record: OutgoingRecord): void {
    if (this.idle) this.#ledger.busy.add(this);
    this.queue.unshift(record);
    this.#ledger.records++;
    this.#ledger.bytes += record.bytes;
  }

  shift(): OutgoingRecord | undefined {
    const record = this.queue.shift();
    if (record !== undefined) {
      this.#ledger.records--;
      this.#ledger.bytes -= record.bytes;
    }
    return record;
  }

  /**
   * Puts user records back at the front, each as its own (non-aggregated) Kinesis record, in the given order: user
   * records of an aggregate that landed on a shard not holding their hash key, sent again so Kinesis routes each
   * by its own hash key, still ahead of everything queued after them.
   */
  unshiftSingles(records: readonly PendingRecord[]): void {
    for (let i = records.length - 1; i >= 0; i--) {
      const record = records[i] as PendingRecord;
      const single = new OutgoingRecord(
        this,
        [record],
        record.data,
        record.partitionKey,
        record.explicitHashKey,
        false,
        record.bytes - record.data.length,
        record.acceptedAt + this.#maxBufferedTimeMs,
        record.acceptedAt + this.#recordTtlMs,
        record.acceptedAt,
        record.data.length,
      );
      single.sent = true; // its buffering time was counted when the aggregate went out
      this.unshift(single);
    }
  }

  /**
   * Holds `successor` (a shard whose range overlaps this closed one) until this queue has settled everything it
   * holds or sends: then every successor's hold is released and `onReleased` is called.
   */
  holdUntilDrained(successor: ShardQueue, onReleased: (queue: ShardQueue) => void): void {
    successor.held++;
    if (this.#successors === undefined) this.#successors = [successor];
    else this.#successors.push(successor);
    this.#onReleased = onReleased;
  }

  /** True while it holds successors (a closed shard not drained yet). */
  get holdsSuccessors(): boolean {
    return this.#successors !== undefined;
  }

  /** Nothing left here: nothing queued, aggregating, in flight or held. */
  get drained(): boolean {
    return this.held === 0 && this.inFlight === 0 && this.idle;
  }

  /** Releases the successors if nothing is left here (queued, aggregating, in flight or held); cheap otherwise. */
  releaseIfDrained(): void {
    const successors = this.#successors;
    if (successors === undefined || !this.drained) return;
    this.#successors = undefined;
    const onReleased = this.#onReleased;
    this.#onReleased = undefined;
    for (const successor of successors) {
      successor.held--;
      successor.releaseIfDrained(); // a child closed in turn may be drained too
    }
    onReleased?.(this);
  }

  /**
   * Removes every Kinesis record held (the open aggregate sealed first), oldest first, e.g. to fail them all with
   * the attempts each has made. Leaves the queue idle.
   */
  takeAll(): OutgoingRecord[] {
    this.seal();
    const out: OutgoingRecord[] = [];
    while (this.queue.length > 0) out.push(this.shift() as OutgoingRecord);
    return out;
  }
}
