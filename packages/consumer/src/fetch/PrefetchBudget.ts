/**
 * The worker-wide bound on record bytes held by fetchers: batches fetched and not yet processed (one prefetched
 * batch per shard, plus the one its processor is working on). A fetcher may start a read when the worker is below
 * the bound, or when it holds nothing itself — so every shard always makes progress (no deadlock, no starvation),
 * and the bound is overshot by at most one batch per shard. Waiters are re-checked, in order, at every release.
 */
export class PrefetchBudget {
  readonly #maxBytes: number;
  #used = 0;
  /** Fetchers waiting, in order, each with what it holds now (it may drop to 0 while it waits). */
  readonly #waiters: { held: () => number; wake: () => void }[] = [];

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held now (tests, metrics). */
  get usedBytes(): number {
    return this.#used;
  }

  /**
   * Resolves when a fetcher holding `held()` bytes may read another batch: at once when it holds nothing or the
   * worker is below the bound, else when either becomes true. Rejects when `signal` aborts first.
   */
  acquire(held: () => number, signal: AbortSignal): Promise<void> {
    if (this.#mayRead(held)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const waiter = {
        held,
        wake: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** A batch of `bytes` was fetched. */
  add(bytes: number): void {
    this.#used += bytes;
  }

  /** A batch of `bytes` was processed (or dropped): wakes, in order, the waiters that may read now. */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    for (let i = 0; i < this.#waiters.length; ) {
      const waiter = this.#waiters[i]!;
      if (!this.#mayRead(waiter.held)) {
        i++;
        continue;
      }
      this.#waiters.splice(i, 1);
      waiter.wake();
    }
  }

  #mayRead(held: () => number): boolean {
    return this.#used < this.#maxBytes || held() === 0;
  }
}

/** Bytes of a page of SDK records (their data; keys and metadata are small beside it). */
export function recordBytes(records: readonly { Data?: Uint8Array | undefined }[]): number {
  let bytes = 0;
  for (const record of records) bytes += record.Data?.byteLength ?? 0;
  return bytes;
}

/**
 * One fetcher's share of a {@link PrefetchBudget}: the batches it fetched and the runner has not finished, in
 * order (the one the runner is processing first). Without a budget every call is free.
 */
export class PrefetchAccount {
  readonly #budget: PrefetchBudget | undefined;
  readonly #held: number[] = [];
  #runnerHoldsFirst = false;

  constructor(budget: PrefetchBudget | undefined) {
    this.#budget = budget;
  }

  /** Waits, before a read, until the worker has room (or this fetcher holds nothing). */
  beforeRead(signal: AbortSignal): Promise<void> {
    if (this.#budget === undefined) return Promise.resolve();
    return this.#budget.acquire(() => this.#heldBytes(), signal);
  }

  #heldBytes(): number {
    let held = 0;
    for (const bytes of this.#held) held += bytes;
    return held;
  }

  /** A batch of `bytes` was read and handed over (or buffered). */
  fetched(bytes: number): void {
    if (this.#budget === undefined) return;
    this.#held.push(bytes);
    this.#budget.add(bytes);
  }

  /** The runner asks for its next batch: it has finished the one it took before. */
  nextRequested(): void {
    if (!this.#runnerHoldsFirst) return;
    this.#runnerHoldsFirst = false;
    this.#budget?.release(this.#held.shift() ?? 0);
  }

  /** The runner took a batch. */
  taken(): void {
    this.#runnerHoldsFirst = true;
  }

  /** The fetcher closed: nothing it holds counts any more. */
  close(): void {
    const held = this.#heldBytes();
    this.#held.length = 0;
    this.#runnerHoldsFirst = false;
    this.#budget?.release(held);
  }
}
