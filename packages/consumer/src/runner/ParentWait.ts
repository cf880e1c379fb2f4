import { type Clock, sleep } from '@kinesis-kit/commons';

/** The first look at the parents is at once; then waits double from this up to the configured longest. */
const FIRST_PARENT_WAIT_MS = 250;

/**
 * The pauses between a child shard's looks at its parents' leases: 0.25 s, doubling up to `maxWaitMs`, each cut
 * short by `wake()` (a parent ended on this worker) or by `stop` (the runner is interrupted).
 */
export class ParentWait {
  readonly #maxWaitMs: number;
  readonly #clock: Clock;
  readonly #stop: AbortSignal;
  #nextMs = FIRST_PARENT_WAIT_MS;
  #wake: (() => void) | undefined;

  constructor(maxWaitMs: number, clock: Clock, stop: AbortSignal) {
    this.#maxWaitMs = maxWaitMs;
    this.#clock = clock;
    this.#stop = stop;
  }

  /** Ends the current pause now. */
  wake(): void {
    this.#wake?.();
  }

  /** One pause; never rejects (woken early or stopping: the caller looks again, or at its stop reason). */
  async pause(): Promise<void> {
    const early = new AbortController();
    this.#wake = () => early.abort();
    const onStop = () => early.abort();
    this.#stop.addEventListener('abort', onStop, { once: true });
    try {
      await sleep(Math.min(this.#nextMs, this.#maxWaitMs), early.signal, this.#clock);
    } catch {
      // woken or stopping
    } finally {
      this.#stop.removeEventListener('abort', onStop);
      this.#wake = undefined;
      this.#nextMs = Math.min(this.#maxWaitMs, this.#nextMs * 2);
    }
  }
}
