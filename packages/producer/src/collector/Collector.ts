import type { OutgoingRecord } from './OutgoingRecord.js';
import type { ShardQueue } from './ShardQueue.js';

/** Shortest wait for a rate-limited shard's budget to refill (so batches stay worth a request). */
const LIMITER_MIN_WAIT_MS = 20;

/** One PutRecords request's worth of Kinesis records, and the distinct shards they came from. */
export interface Batch {
  readonly records: OutgoingRecord[];
  readonly shards: ShardQueue[];
  readonly bytes: number;
}

export interface CollectorLimits {
  maxCount: number;
  maxBytes: number;
  maxInFlightPerShard: number;
  /** At most one Kinesis record per shard per request (strict ordering). */
  onePerShard: boolean;
}

/**
 * Builds PutRecords batches from the shard queues. A batch goes out when it is full (`collectionMaxCount` records or
 * `collectionMaxBytes`), when one of its records reached its buffering deadline, or when forced (flush/close);
 * otherwise nothing is taken and {@link nextWakeAt} says when to look again. Shards that are rate-limited, backing
 * off, or at their in-flight limit are skipped, so one hot shard holds back only itself. Shards are visited
 * round-robin (a shard that contributed moves to the back of the busy set). The collector is the only one that
 * removes a shard from the busy set, and only an idle one: a shard joins it by itself when it stops being idle
 * (see `QueueLedger.busy`), so no shard that holds records can be missed.
 */
export class Collector {
  readonly #busy: Set<ShardQueue>;
  readonly #limits: CollectorLimits;
  readonly #onExpired: (record: OutgoingRecord, now: number) => void;
  // Phase-1 scratch: how many records to take from which shard (reused across calls).
  readonly #takeShards: ShardQueue[] = [];
  readonly #takeCounts: number[] = [];
  /** After a call that returned nothing: when something may become sendable (Infinity: only on an event). */
  nextWakeAt = Number.POSITIVE_INFINITY;

  constructor(
    busy: Set<ShardQueue>,
    limits: CollectorLimits,
    onExpired: (record: OutgoingRecord, now: number) => void,
  ) {
    this.#busy = busy;
    this.#limits = limits;
    this.#onExpired = onExpired;
  }

  collect(now: number, force: boolean): Batch | undefined {
    const { maxCount, maxBytes, maxInFlightPerShard, onePerShard } = this.#limits;
    const takeShards = this.#takeShards;
    const takeCounts = this.#takeCounts;
    takeShards.length = 0;
    takeCounts.length = 0;
    let count = 0;
    let bytes = 0;
    let due = force;
    let full = false;
    let wake = Number.POSITIVE_INFINITY;

    // Phase 1: decide what could go, without taking anything.
    for (const shard of this.#busy) {
      if (shard.hasOpen) {
        if (force || shard.openDeadline <= now || shard.retired) shard.seal();
        else if (shard.openDeadline < wake) wake = shard.openDeadline;
      }
      this.#expireFront(shard, now);
      if (shard.idle) {
        this.#busy.delete(shard);
        if (shard.retired) shard.releaseIfDrained();
        continue;
      }
      if (full || shard.inFlight >= maxInFlightPerShard || shard.held > 0) continue;
      let taken = 0;
      let takenBytes = 0;
      const queue = shard.queue;
      for (let i = 0; i < queue.length; i++) {
        const record = queue.at(i) as OutgoingRecord;
        if (record.notBefore > now) {
          if (record.notBefore < wake) wake = record.notBefore;
          break;
        }
        if (!shard.limiter.allows(taken + 1, takenBytes + record.bytes, now)) {
          // Not before LIMITER_MIN_WAIT_MS: waking for every token would send a stream of one-record requests.
          const at =
            now + Math.max(LIMITER_MIN_WAIT_MS, shard.limiter.msUntil(taken + 1, takenBytes + record.bytes, now));
          if (at < wake) wake = at;
          break;
        }
        if (count + 1 > maxCount || bytes + record.bytes > maxBytes) {
          full = true;
          break;
        }
        if (record.deadline <= now) due = true;
        else if (record.deadline < wake) wake = record.deadline;
        taken++;
        takenBytes += record.bytes;
        count++;
        bytes += record.bytes;
        if (onePerShard) break;
      }
      if (taken > 0) {
        takeShards.push(shard);
        takeCounts.push(taken);
      }
      if (count >= maxCount) full = true;
    }

    if (count === 0 || !(full || due)) {
      this.nextWakeAt = wake;
      return undefined;
    }

    // Phase 2: take them.
    const records: OutgoingRecord[] = [];
    const shards: ShardQueue[] = [];
    for (let s = 0; s < takeShards.length; s++) {
      const shard = takeShards[s] as ShardQueue;
      const n = takeCounts[s] as number;
      for (let i = 0; i < n; i++) {
        const record = shard.shift() as OutgoingRecord;
        shard.limiter.take(record.bytes, now);
        records.push(record);
      }
      shard.inFlight++;
      shards.push(shard);
      // Round-robin: a shard that contributed goes to the back.
      this.#busy.delete(shard);
      if (!shard.idle) this.#busy.add(shard);
    }
    this.nextWakeAt = wake;
    return { records, shards, bytes };
  }

  #expireFront(shard: ShardQueue, now: number): void {
    let front = shard.queue.peek();
    while (front !== undefined && front.expiresAt <= now) {
      shard.shift();
      this.#onExpired(front, now);
      front = shard.queue.peek();
    }
  }
}
