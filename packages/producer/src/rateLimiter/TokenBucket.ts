/**
 * A token bucket refilled continuously at `ratePerSecond`, holding at most one second's worth. A take larger than
 * the capacity is allowed when the bucket is full (else a big record could never pass a low limit).
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  #tokens: number;
  #updatedAt: number;

  constructor(ratePerSecond: number, now: number) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#capacity = ratePerSecond;
    this.#tokens = ratePerSecond;
    this.#updatedAt = now;
  }

  /** Whether `amount` can be taken at `now`. */
  canTake(amount: number, now: number): boolean {
    this.#refill(now);
    return this.#tokens >= Math.min(amount, this.#capacity);
  }

  take(amount: number, now: number): void {
    this.#refill(now);
    this.#tokens -= amount;
  }

  /** Milliseconds from `now` until `amount` can be taken (0 if it can now). */
  msUntil(amount: number, now: number): number {
    this.#refill(now);
    const missing = Math.min(amount, this.#capacity) - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.#ratePerMs);
  }

  /** Empties the bucket (after a throttling answer): nothing passes until it refills. */
  drain(now: number): void {
    this.#refill(now);
    if (this.#tokens > 0) this.#tokens = 0;
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#ratePerMs);
  }
}
