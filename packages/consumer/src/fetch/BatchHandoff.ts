import { FetcherClosedError } from '../errors.js';
import type { FetchResult } from './RecordsFetcher.js';

type Item = { result: FetchResult } | { error: unknown };
type Pending = { resolve: (result: FetchResult) => void; reject: (error: unknown) => void };

/**
 * The one-slot rendezvous between a fetcher's loop and the runner that pulls from it: the loop `deliver()`s a batch
 * (or an error) and waits until it is taken, so at most one batch is ever fetched ahead of the processor. Shared by
 * the polling and fan-out fetchers, which differ only in how they produce batches.
 */
export class BatchHandoff {
  readonly #shardId: string;
  readonly #owner: string;
  #buffered: Item | undefined;
  #pending: Pending | undefined;
  #onTaken: (() => void) | undefined;
  #closed = false;
  #ended = false;

  constructor(shardId: string, owner: string) {
    this.#shardId = shardId;
    this.#owner = owner;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The shard is read to its end: after the buffered batch, `next()` rejects with `FetcherClosedError`. */
  markEnded(): void {
    this.#ended = true;
  }

  next(): Promise<FetchResult> {
    if (this.#closed) return Promise.reject(new FetcherClosedError(this.#shardId));
    if (this.#pending !== undefined) return Promise.reject(new Error(`${this.#owner}.next() called concurrently`));
    const buffered = this.#buffered;
    if (buffered !== undefined) {
      this.#buffered = undefined;
      this.#taken();
      return 'result' in buffered ? Promise.resolve(buffered.result) : Promise.reject(buffered.error);
    }
    if (this.#ended) return Promise.reject(new FetcherClosedError(this.#shardId));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
  }

  /** Rejects a waiting `next()` and releases a waiting `deliver()`. False when it was already closed. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#taken();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(new FetcherClosedError(this.#shardId));
    return true;
  }

  /** Hands `item` to a waiting `next()`, or buffers it and resolves once it was taken (or the handoff closed). */
  async deliver(item: Item): Promise<void> {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      if ('result' in item) pending.resolve(item.result);
      else pending.reject(item.error);
      return;
    }
    this.#buffered = item;
    await new Promise<void>((resolve) => {
      this.#onTaken = resolve;
    });
  }

  #taken(): void {
    const onTaken = this.#onTaken;
    this.#onTaken = undefined;
    onTaken?.();
  }
}
