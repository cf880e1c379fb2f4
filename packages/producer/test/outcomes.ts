import type { PutRecordError, PutResult } from '../src/index.js';

/**
 * Owns put() promises from the moment they are made: every outcome is recorded and no rejection can go unhandled,
 * whatever the test does next (an assertion that throws, a test that times out). A test that puts records without
 * awaiting them at once tracks them here.
 */
export class Outcomes {
  readonly results: (PutResult | Error | undefined)[] = [];
  settled = 0;
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  readonly #matchers: { match: (result: PutResult) => boolean; resolve: () => void }[] = [];

  /** Tracks one put(); returns its index. */
  track(promise: Promise<PutResult>): number {
    const i = this.results.length;
    this.results.push(undefined);
    promise.then(
      (result) => this.#set(i, result),
      (error: Error) => this.#set(i, error),
    );
    return i;
  }

  get errors(): PutRecordError[] {
    return this.results.filter((r): r is PutRecordError => r instanceof Error);
  }

  /** Resolves once `count` outcomes (default: every tracked put so far) have settled. */
  settledCount(count = this.results.length): Promise<void> {
    if (this.settled >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Resolves once some put() has resolved with a result that `match` accepts (one settled earlier counts). */
  resolvedWith(match: (result: PutResult) => boolean): Promise<void> {
    if (this.results.some((r) => r !== undefined && !(r instanceof Error) && match(r))) return Promise.resolve();
    return new Promise((resolve) => this.#matchers.push({ match, resolve }));
  }

  #set(i: number, outcome: PutResult | Error): void {
    this.results[i] = outcome;
    this.settled++;
    if (!(outcome instanceof Error)) {
      for (let m = this.#matchers.length - 1; m >= 0; m--) {
        const matcher = this.#matchers[m] as { match: (result: PutResult) => boolean; resolve: () => void };
        if (matcher.match(outcome)) {
          this.#matchers.splice(m, 1);
          matcher.resolve();
        }
      }
    }
    for (let w = this.#waiters.length - 1; w >= 0; w--) {
      const waiter = this.#waiters[w] as { count: number; resolve: () => void };
      if (this.settled >= waiter.count) {
        this.#waiters.splice(w, 1);
        waiter.resolve();
      }
    }
  }
}
