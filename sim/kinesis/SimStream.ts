import type { Random } from '../world/Random.js';

/** A user record inside a stored Kinesis record (one, or several for a KPL aggregate). */
export interface StoredUserRecord {
  /** Unique id of the put (the payload). */
  readonly n: number;
  readonly key: string;
  readonly sub: number;
}

/** One Kinesis record as the service stores it. */
export interface StoredRecord {
  readonly seq: string;
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly data: Uint8Array;
  /** True time it was stored (ApproximateArrivalTimestamp = epoch + this). */
  readonly arrivedAt: number;
  readonly aggregated: boolean;
  readonly users: readonly StoredUserRecord[];
}

export interface SimShard {
  readonly id: string;
  readonly num: number;
  readonly parentShardId: string | undefined;
  readonly adjacentParentShardId: string | undefined;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
  readonly startingSeq: string;
  endingSeq: string | undefined;
  readonly createdAt: number;
  closedAt: number | undefined;
  readonly records: StoredRecord[];
}

export const MAX_HASH_KEY = (1n << 128n) - 1n;
const SEQ_COUNTER_DIGITS = 40;
const SEQ_SHARD_DIGITS = 14;

/**
 * A Kinesis stream's state: shards (open and closed, in creation order), their records, and resharding. Sequence
 * numbers are 56-digit decimal strings (> 2^53, as on AWS) that grow with every record and encode the shard they
 * belong to, so a sequence number used on the wrong shard is recognised (InvalidArgumentException on AWS).
 */
export class SimStream {
  readonly name = 'sim-stream';
  readonly arn = 'arn:aws:kinesis:us-east-1:123456789012:stream/sim-stream';
  readonly createdAtMs: number;
  readonly shards: SimShard[] = [];
  readonly #byId = new Map<string, SimShard>();
  readonly #random: Random;
  #counter = 1_000_000;

  constructor(shardCount: number, random: Random, createdAtMs: number) {
    this.#random = random;
    this.createdAtMs = createdAtMs;
    const width = (MAX_HASH_KEY + 1n) / BigInt(shardCount);
    for (let i = 0; i < shardCount; i++) {
      const start = width * BigInt(i);
      const end = i === shardCount - 1 ? MAX_HASH_KEY : start + width - 1n;
      this.#add(start, end, undefined, undefined, 0);
    }
  }

  shard(id: string): SimShard | undefined {
    return this.#byId.get(id);
  }

  openShards(): SimShard[] {
    return this.shards.filter((s) => s.endingSeq === undefined);
  }

  /** The open shard whose range holds `hashKey`. */
  route(hashKey: bigint): SimShard {
    for (const shard of this.shards)
      if (shard.endingSeq === undefined && hashKey >= shard.startingHashKey && hashKey <= shard.endingHashKey)
        return shard;
    throw new Error(`no open shard holds hash key ${hashKey}`);
  }

  append(shard: SimShard, record: Omit<StoredRecord, 'seq'>): StoredRecord {
    const stored: StoredRecord = { ...record, seq: this.#nextSeq(shard) };
    shard.records.push(stored);
    return stored;
  }

  /** Splits an open shard at `newStartingHashKey` (the second child's first key). Returns the children. */
  split(shard: SimShard, newStartingHashKey: bigint, now: number): SimShard[] {
    this.#close(shard, now);
    return [
      this.#add(shard.startingHashKey, newStartingHashKey - 1n, shard.id, undefined, now),
      this.#add(newStartingHashKey, shard.endingHashKey, shard.id, undefined, now),
    ];
  }

  /** Merges two open shards with adjacent ranges (`low` below `high`). Returns the child. */
  merge(low: SimShard, high: SimShard, now: number): SimShard {
    this.#close(low, now);
    this.#close(high, now);
    return this.#add(low.startingHashKey, high.endingHashKey, low.id, high.id, now);
  }

  /** Pairs of open shards with adjacent hash ranges (mergeable). */
  adjacentOpenPairs(): [SimShard, SimShard][] {
    const open = this.openShards().sort((a, b) => (a.startingHashKey < b.startingHashKey ? -1 : 1));
    const pairs: [SimShard, SimShard][] = [];
    for (let i = 0; i + 1 < open.length; i++) {
      const a = open[i]!;
      const b = open[i + 1]!;
      if (a.endingHashKey + 1n === b.startingHashKey) pairs.push([a, b]);
    }
    return pairs;
  }

  /** The shard number a sequence number was issued on. */
  static shardNumOf(seq: string): number {
    return Number(seq.slice(seq.length - SEQ_SHARD_DIGITS));
  }

  #close(shard: SimShard, now: number): void {
    if (shard.endingSeq !== undefined) throw new Error(`shard ${shard.id} is already closed`);
    shard.endingSeq = this.#nextSeq(shard);
    shard.closedAt = now;
  }

  #add(
    start: bigint,
    end: bigint,
    parent: string | undefined,
    adjacentParent: string | undefined,
    now: number,
  ): SimShard {
    const num = this.shards.length;
    const shard: SimShard = {
      id: `shardId-${String(num).padStart(12, '0')}`,
      num,
      parentShardId: parent,
      adjacentParentShardId: adjacentParent,
      startingHashKey: start,
      endingHashKey: end,
      startingSeq: '',
      endingSeq: undefined,
      createdAt: now,
      closedAt: undefined,
      records: [],
    };
    (shard as { startingSeq: string }).startingSeq = this.#nextSeq(shard);
    this.shards.push(shard);
    this.#byId.set(shard.id, shard);
    return shard;
  }

  #nextSeq(shard: SimShard): string {
    this.#counter += this.#random.int(1, 40);
    return `49${String(this.#counter).padStart(SEQ_COUNTER_DIGITS, '0')}${String(shard.num).padStart(SEQ_SHARD_DIGITS, '0')}`;
  }
}

/** Numerical order of two sequence numbers (decimal strings without leading zeros beyond the fixed width). */
export function compareSeq(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
