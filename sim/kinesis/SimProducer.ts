import { partitionKeyHash, RecordAggregator } from '@kinesis-kit/aggregation';
import type { Random } from '../world/Random.js';
import type { SimShard, SimStream } from './SimStream.js';

/** Where an acknowledged user record was stored: what the consumer owes. */
export interface AckedRecord {
  readonly n: number;
  readonly key: string;
  readonly shardId: string;
  readonly seq: string;
  readonly sub: number;
  /** Index of its Kinesis record in the shard. */
  readonly index: number;
  /** True time it was stored. */
  readonly at: number;
}

const encoder = new TextEncoder();

/**
 * Writes user records into the stream as a producer would: plain records routed by the MD5 of their partition
 * key, and KPL aggregates of several records that route to the same shard (the aggregate carries the first
 * record's hash as its explicit hash key, as `RecordAggregator` builds it). A put is acknowledged when stored.
 */
export class SimProducer {
  readonly acked: AckedRecord[] = [];
  readonly #stream: SimStream;
  readonly #random: Random;
  readonly #keys: readonly string[];
  readonly #hashes: readonly bigint[];
  readonly #aggregator = new RecordAggregator();
  #n = 0;

  constructor(stream: SimStream, random: Random, keyCount: number) {
    this.#stream = stream;
    this.#random = random;
    this.#keys = Array.from({ length: keyCount }, (_, i) => `pk-${i}`);
    this.#hashes = this.#keys.map((k) => partitionKeyHash(k));
  }

  /** One plain record with a random key. */
  putPlain(now: number): void {
    const i = this.#random.int(0, this.#keys.length - 1);
    const key = this.#keys[i]!;
    const shard = this.#stream.route(this.#hashes[i]!);
    const n = ++this.#n;
    const record = this.#stream.append(shard, {
      partitionKey: key,
      explicitHashKey: undefined,
      data: encoder.encode(String(n)),
      arrivedAt: now,
      aggregated: false,
      users: [{ n, key, sub: 0 }],
    });
    this.acked.push({ n, key, shardId: shard.id, seq: record.seq, sub: 0, index: shard.records.length - 1, at: now });
  }

  /** One KPL aggregate of `count` user records whose keys all route to the same (random) open shard. */
  putAggregate(now: number, count: number): void {
    const first = this.#random.int(0, this.#keys.length - 1);
    const shard = this.#stream.route(this.#hashes[first]!);
    const sameShard = this.#keys.map((_, i) => i).filter((i) => inShard(this.#hashes[i]!, shard));
    const users: { n: number; key: string; sub: number }[] = [];
    const aggregator = this.#aggregator;
    for (let sub = 0; sub < count; sub++) {
      const i = sub === 0 ? first : this.#random.pick(sameShard);
      const key = this.#keys[i]!;
      const n = ++this.#n;
      aggregator.add({ partitionKey: key, data: encoder.encode(String(n)) });
      users.push({ n, key, sub });
    }
    const built = aggregator.build();
    const record = this.#stream.append(shard, {
      partitionKey: built.partitionKey,
      explicitHashKey: built.explicitHashKey,
      data: built.data.slice(),
      arrivedAt: now,
      aggregated: built.aggregated,
      users,
    });
    const index = shard.records.length - 1;
    for (const u of users)
      this.acked.push({ n: u.n, key: u.key, shardId: shard.id, seq: record.seq, sub: u.sub, index, at: now });
  }
}

function inShard(hash: bigint, shard: SimShard): boolean {
  return hash >= shard.startingHashKey && hash <= shard.endingHashKey;
}
