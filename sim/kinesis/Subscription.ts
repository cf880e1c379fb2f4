import type { SubscribeToShardEventStream } from '@aws-sdk/client-kinesis';
import type { Actor, SimEvent } from '../world/EventQueue.js';
import type { World } from '../world/World.js';
import { kinesisErrors } from './kinesisErrors.js';
import type { SimShard, SimStream } from './SimStream.js';
import { childShardsOf, millisBehind, sdkRecords } from './shardReads.js';

/** A subscription lives this long on AWS, then its stream ends (the reader subscribes again). */
export const SUBSCRIPTION_LIFETIME_MS = 300_000;
/** One event per second, records or not (AWS pushes as records arrive and at least every 5 s). */
export const EVENT_INTERVAL_MS = 1_000;
const MAX_RECORDS_PER_EVENT = 500;

type Step = IteratorResult<SubscribeToShardEventStream, undefined>;

/**
 * One SubscribeToShard event stream, pull-based like the SDK's: each `next()` resolves with the shard's records
 * since the previous event, one event per second at most, as an event of the subscriber's actor (a paused worker
 * gets it late, a dead one never). At a closed shard's end the event carries `ChildShards` and no continuation
 * sequence number, and the stream ends. It also ends after 5 minutes, when another subscription takes the shard over
 * (`ResourceInUseException`), or when the caller's abort signal fires (the pending `next()` rejects with its reason).
 */
export class Subscription implements AsyncIterator<SubscribeToShardEventStream, undefined> {
  readonly shardId: string;
  readonly #world: World;
  readonly #stream: SimStream;
  readonly #shard: SimShard;
  readonly #actor: Actor | undefined;
  readonly startedAt: number;
  #index: number;
  #lastEventAt = Number.NEGATIVE_INFINITY;
  #closed: { error: unknown } | undefined;
  #pending: { event: SimEvent; resolve: (step: Step) => void; reject: (error: unknown) => void } | undefined;

  constructor(options: {
    world: World;
    stream: SimStream;
    shard: SimShard;
    index: number;
    actor: Actor | undefined;
    signal: AbortSignal | undefined;
  }) {
    this.#world = options.world;
    this.#stream = options.stream;
    this.#shard = options.shard;
    this.shardId = options.shard.id;
    this.#actor = options.actor;
    this.#index = options.index;
    this.startedAt = options.world.now;
    options.signal?.addEventListener('abort', () => this.#close(options.signal?.reason), { once: true });
  }

  get open(): boolean {
    return this.#closed === undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscribeToShardEventStream, undefined> {
    return this;
  }

  next(): Promise<Step> {
    if (this.#closed !== undefined)
      return this.#closed.error === undefined
        ? Promise.resolve({ done: true, value: undefined })
        : Promise.reject(this.#closed.error);
    if (this.#pending !== undefined) return Promise.reject(new Error('Subscription.next() called concurrently'));
    const world = this.#world;
    return new Promise<Step>((resolve, reject) => {
      const at = Math.max(world.now + 1, this.#lastEventAt + EVENT_INTERVAL_MS);
      const event = world.schedule(at, this.#actor, () => {
        this.#pending = undefined;
        if (world.now - this.startedAt >= SUBSCRIPTION_LIFETIME_MS) {
          this.#close(undefined);
          resolve({ done: true, value: undefined });
          return;
        }
        resolve({ done: false, value: this.#event() });
      });
      this.#pending = { event, resolve, reject };
    });
  }

  return(): Promise<Step> {
    this.#close(undefined);
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Another subscription took this shard over: the stream fails with ResourceInUseException. */
  takenOver(): void {
    this.#close(kinesisErrors.resourceInUse(`Another subscription took over ${this.shardId}`));
  }

  #event(): SubscribeToShardEventStream {
    const shard = this.#shard;
    const now = this.#world.now;
    this.#lastEventAt = now;
    const from = this.#index;
    const end = Math.min(shard.records.length, from + MAX_RECORDS_PER_EVENT);
    this.#index = end;
    const ended = end >= shard.records.length && shard.endingSeq !== undefined;
    if (ended) this.#close(undefined);
    const continuation = end === 0 ? shard.startingSeq : shard.records[end - 1]!.seq;
    return {
      SubscribeToShardEvent: {
        Records: sdkRecords(shard, from, end),
        ContinuationSequenceNumber: ended ? undefined : continuation,
        MillisBehindLatest: millisBehind(shard, end, now),
        ...(ended ? { ChildShards: childShardsOf(this.#stream, shard) } : {}),
      },
    };
  }

  #close(error: unknown): void {
    if (this.#closed !== undefined) return;
    this.#closed = { error };
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    pending.event.cancelled = true;
    if (error === undefined) pending.resolve({ done: true, value: undefined });
    else pending.reject(error);
  }
}
