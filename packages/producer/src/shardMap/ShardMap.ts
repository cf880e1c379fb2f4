import { type KinesisClient, ListShardsCommand, type ListShardsCommandInput } from '@aws-sdk/client-kinesis';
import { parseHashKeyRange } from '@kinesis-kit/aggregation';

/** An inclusive range of hash keys. */
export interface HashKeyRange {
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

/** An open shard and its hash key range. */
export interface ShardInfo extends HashKeyRange {
  readonly shardId: string;
}

/** Where to list shards: a stream name or ARN, and the request options for each call. */
export interface ShardMapSource {
  client: KinesisClient;
  streamName: string | undefined;
  streamArn: string | undefined;
  /** Abort signal factory for each ListShards call (request timeout). */
  signal?: () => AbortSignal;
}

/**
 * The stream's open shards sorted by hash range, for predicting which shard a hash key lands in. `load()` lists
 * shards (paginated; closed shards dropped by their `EndingSequenceNumber`, which works on servers without
 * `ShardFilter` too) and swaps the map atomically; lookups keep using the old map meanwhile.
 */
export class ShardMap {
  #shards: readonly ShardInfo[] = [];
  #byId = new Map<string, ShardInfo>();
  #version = 0;
  readonly #source: ShardMapSource;

  constructor(source: ShardMapSource) {
    this.#source = source;
  }

  /** Bumped by every successful load; 0 until the first. */
  get version(): number {
    return this.#version;
  }

  get ready(): boolean {
    return this.#version > 0;
  }

  get shards(): readonly ShardInfo[] {
    return this.#shards;
  }

  get(shardId: string): ShardInfo | undefined {
    return this.#byId.get(shardId);
  }

  /** The open shard whose range holds `hash`: a binary search over the sorted ranges. */
  lookup(hash: bigint): ShardInfo | undefined {
    const shards = this.#shards;
    let lo = 0;
    let hi = shards.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const shard = shards[mid] as ShardInfo;
      if (hash < shard.startingHashKey) hi = mid - 1;
      else if (hash > shard.endingHashKey) lo = mid + 1;
      else return shard;
    }
    return undefined;
  }

  /** Lists the open shards and replaces the map. Throws what ListShards throws. */
  async load(): Promise<void> {
    const { client, streamName, streamArn } = this.#source;
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    do {
      const input: ListShardsCommandInput =
        nextToken !== undefined
          ? { NextToken: nextToken }
          : streamArn !== undefined
            ? { StreamARN: streamArn }
            : { StreamName: streamName };
      const signal = this.#source.signal?.();
      const output = await client.send(
        new ListShardsCommand(input),
        signal === undefined ? {} : { abortSignal: signal },
      );
      for (const shard of output.Shards ?? []) {
        if (shard.ShardId === undefined || shard.HashKeyRange === undefined) continue;
        if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue; // closed
        const range = parseHashKeyRange(shard.HashKeyRange);
        shards.push({ shardId: shard.ShardId, ...range });
      }
      nextToken = output.NextToken;
    } while (nextToken !== undefined);
    shards.sort((a, b) => (a.startingHashKey < b.startingHashKey ? -1 : a.startingHashKey > b.startingHashKey ? 1 : 0));
    this.#shards = shards;
    this.#byId = new Map(shards.map((shard) => [shard.shardId, shard]));
    this.#version++;
  }
}
