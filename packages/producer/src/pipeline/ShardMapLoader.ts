import { backoffDelay, type TimerHandle } from '@kinesis-kit/commons';
import type { ResolvedProducerOptions } from '../options.js';
import type { ShardMap } from '../shardMap/ShardMap.js';

/** What happens after a load: the pipeline adopts the new map, or deals with the failure. */
export interface ShardMapLoaderHooks {
  loaded(reason: string, startedAt: number): void;
  failed(reason: string, error: unknown): void;
}

/**
 * Loads the shard map when asked (coalescing concurrent requests), reloads it every `shardMapRefreshIntervalMs`,
 * and retries a failed first load with exponential backoff. Its timers are unref'd (the clock's).
 */
export class ShardMapLoader {
  readonly #map: ShardMap;
  readonly #options: ResolvedProducerOptions;
  readonly #hooks: ShardMapLoaderHooks;
  #loading: Promise<void> | undefined;
  #failures = 0;
  #closed = false;
  #refreshTimer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;

  constructor(map: ShardMap, options: ResolvedProducerOptions, hooks: ShardMapLoaderHooks) {
    this.#map = map;
    this.#options = options;
    this.#hooks = hooks;
  }

  /** Reloads the shard map (coalesced with a load in progress). Never rejects. */
  refresh(reason: string): Promise<void> {
    if (this.#loading !== undefined) return this.#loading;
    const startedAt = this.#options.clock.now();
    this.#loading = this.#map
      .load()
      .then(
        () => {
          this.#failures = 0;
          this.#hooks.loaded(reason, startedAt);
        },
        (error: unknown) => {
          this.#failures++;
          this.#hooks.failed(reason, error);
        },
      )
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }

  /** (Re)starts the periodic refresh, unless disabled or closed. */
  armRefreshTimer(): void {
    const interval = this.#options.shardMapRefreshIntervalMs;
    if (interval === 0 || !Number.isFinite(interval) || this.#closed) return;
    this.#refreshTimer?.cancel();
    this.#refreshTimer = this.#options.clock.setTimeout(() => {
      if (!this.#closed) void this.refresh('interval');
    }, interval);
  }

  /** Tries again after a backoff that grows with the consecutive failures. */
  retryLater(reason: string): void {
    const delay = backoffDelay(
      this.#failures,
      { baseDelayMs: this.#options.retryBaseDelayMs, maxDelayMs: this.#options.retryMaxDelayMs },
      this.#options.random,
    );
    this.#retryTimer?.cancel();
    this.#retryTimer = this.#options.clock.setTimeout(() => {
      if (!this.#closed) void this.refresh(reason);
    }, delay);
  }

  close(): void {
    this.#closed = true;
    this.#refreshTimer?.cancel();
    this.#retryTimer?.cancel();
  }
}
