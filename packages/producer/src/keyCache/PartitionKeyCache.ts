import { type PartitionKeySlot, partitionKeyHash } from '@kinesis-kit/aggregation';

/**
 * What the producer remembers per partition key, so the hot path neither hashes nor re-validates it, and the
 * aggregator needs no key lookup of its own (the entry is the key's {@link PartitionKeySlot}).
 */
export class KeyEntry<Route> implements PartitionKeySlot {
  /** MD5 of the key as a 128-bit integer. */
  readonly hash: bigint;
  /** UTF-8 bytes of the key. */
  readonly keyBytes: number;
  /** The shard this key routed to under shard map `routeVersion` (a cache of the binary search). */
  route: Route | undefined = undefined;
  routeVersion = -1;
  /** PartitionKeySlot: the key's place in the open aggregate it was last added to (written by the aggregator). */
  aggregate = -1;
  index = 0;
  constructor(hash: bigint, keyBytes: number) {
    this.hash = hash;
    this.keyBytes = keyBytes;
  }
}

/**
 * A bounded cache of {@link KeyEntry} by partition key: two generations of Maps (a cheap LRU approximation). A hit
 * costs one `Map.get`; a miss costs an MD5 (~0.5 µs). When the young generation fills, it becomes the old one and
 * the old one is dropped, so at most `2 × capacity` keys are held and recently used keys survive.
 */
export class PartitionKeyCache<Route> {
  readonly #capacity: number;
  #young = new Map<string, KeyEntry<Route>>();
  #old = new Map<string, KeyEntry<Route>>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The cached entry, or undefined (call {@link add} after validating the key). */
  get(partitionKey: string): KeyEntry<Route> | undefined {
    const entry = this.#young.get(partitionKey);
    if (entry !== undefined) return entry;
    const old = this.#old.get(partitionKey);
    if (old !== undefined) this.#insert(partitionKey, old);
    return old;
  }

  /** Hashes and caches a key already known to be valid. */
  add(partitionKey: string, keyBytes: number): KeyEntry<Route> {
    const entry = new KeyEntry<Route>(partitionKeyHash(partitionKey), keyBytes);
    this.#insert(partitionKey, entry);
    return entry;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  #insert(partitionKey: string, entry: KeyEntry<Route>): void {
    if (this.#young.size >= this.#capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(partitionKey, entry);
  }
}
