/**
 * A rate over a trailing window, from per-second buckets: `add()` is O(1), reading never resets anything, so any
 * number of readers see the same rate.
 */
export class RateWindow {
  readonly #buckets: Float64Array;
  readonly #startedAt: number;
  /** The second the newest bucket counts. */
  #second: number;

  constructor(now: number, windowSeconds = 60) {
    this.#buckets = new Float64Array(windowSeconds);
    this.#startedAt = now;
    this.#second = Math.floor(now / 1000);
  }

  add(now: number, count: number): void {
    this.#advance(now);
    const size = this.#buckets.length;
    this.#buckets[this.#second % size] = (this.#buckets[this.#second % size] as number) + count;
  }

  /** Events per second over the window (or since creation, if shorter). */
  perSecond(now: number): number {
    this.#advance(now);
    let total = 0;
    for (const count of this.#buckets) total += count;
    const spanMs = Math.min(this.#buckets.length * 1000, Math.max(1, now - this.#startedAt));
    return (total * 1000) / spanMs;
  }

  #advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (second <= this.#second) return;
    const size = this.#buckets.length;
    for (let s = Math.max(this.#second + 1, second - size + 1); s <= second; s++) this.#buckets[s % size] = 0;
    this.#second = second;
  }
}
