import type { Clock } from '@kinesis-kit/commons';

/** How long a shard has gone without progress, and how far behind its reader is (see `ShardProgress.stall`). */
export interface ShardStall {
  stalledForMs: number;
  millisBehindLatest: number | undefined;
}

/**
 * A runner's progress, for stuck-shard reports: progress is a batch processed, or a read that found the shard
 * caught up. A shard owes records while a batch is in its processor (or waiting for a retry), while its reader is
 * behind, or before any read succeeded — `MillisBehindLatest` alone cannot tell, since the reader is one batch ahead
 * of a processor that keeps failing and may well be at the tip.
 */
export class ShardProgress {
  readonly #clock: Clock;
  #lastProgressAt: number;
  #lastLag: number | undefined;
  #batchPending = false;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#lastProgressAt = clock.now();
  }

  /** A read returned (`millisBehindLatest` as the service said). */
  read(millisBehindLatest: number | undefined, records: number): void {
    this.#lastLag = millisBehindLatest;
    if (records === 0 && millisBehindLatest === 0) this.#lastProgressAt = this.#clock.now();
  }

  batchStarted(): void {
    this.#batchPending = true;
  }

  /** The batch left the processor: `processed` when it counts as done (succeeded or skipped). */
  batchEnded(processed: boolean): void {
    this.#batchPending = false;
    if (processed) this.#lastProgressAt = this.#clock.now();
  }

  /** Undefined when nothing is owed; else how long since the last progress and how far behind the reader is. */
  stall(): ShardStall | undefined {
    if (this.#lastLag === 0 && !this.#batchPending) return undefined;
    return { stalledForMs: this.#clock.now() - this.#lastProgressAt, millisBehindLatest: this.#lastLag };
  }
}
