import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger/Logger.js';
import type { MetricSeries } from './MetricSeries.js';
import type { MetricsRegistry } from './MetricsRegistry.js';
import type { MetricsSink, MetricsSource } from './MetricsSink.js';
import type { ResolvedMetricsOptions } from './metricsOptions.js';

/**
 * Drains a registry once per `intervalMs` (an unref'd timer: it never keeps a process alive) and hands the batch to
 * every sink. A sink that throws is logged (once per sink) and skipped; the data path never waits for a sink.
 */
export class MetricsPublisher {
  readonly #registry: MetricsRegistry;
  readonly #options: ResolvedMetricsOptions;
  readonly #source: MetricsSource;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #failedSinks = new Set<MetricsSink>();
  #timer: TimerHandle | undefined;
  #closed = false;
  #lastAt: number;

  constructor(
    registry: MetricsRegistry,
    options: ResolvedMetricsOptions,
    source: MetricsSource,
    clock: Clock,
    logger: Logger,
  ) {
    this.#registry = registry;
    this.#options = options;
    this.#source = source;
    this.#clock = clock;
    this.#logger = logger.child({ component: 'MetricsPublisher' });
    this.#lastAt = clock.now();
    const observers = options.sinks.filter((sink) => typeof sink.observe === 'function');
    if (observers.length > 0) {
      registry.observe((series: MetricSeries, value: number) => {
        for (const sink of observers) {
          try {
            sink.observe?.(series, value, source);
          } catch (error) {
            this.#sinkFailed(sink, error);
          }
        }
      });
    }
  }

  /** Starts the interval timer. */
  start(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#arm();
  }

  /** Drains the registry now and hands the batch to the sinks (also what the timer does). */
  publishNow(): void {
    const now = this.#clock.now();
    const data = this.#registry.collect();
    const intervalMs = Math.max(1, now - this.#lastAt);
    this.#lastAt = now;
    if (data.length === 0) return;
    // The clock is monotonic (intervals); a timestamp leaves the process, so it is wall time.
    const batch = { namespace: this.#options.namespace, timestamp: Date.now(), intervalMs, source: this.#source, data };
    for (const sink of this.#options.sinks) {
      try {
        sink.publish(batch);
      } catch (error) {
        this.#sinkFailed(sink, error);
      }
    }
  }

  /** Publishes what the interval holds now and waits for the sinks to flush (never rejects); the timer goes on. */
  async flush(): Promise<void> {
    if (this.#closed) return;
    this.publishNow();
    await Promise.allSettled(this.#options.sinks.map((sink) => sink.flush?.()));
  }

  /** Stops the timer, publishes what the interval holds, and waits for the sinks to flush (never rejects). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.publishNow();
    this.#registry.observe(undefined);
    await Promise.allSettled(this.#options.sinks.map((sink) => sink.flush?.()));
  }

  #arm(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      this.publishNow();
      this.#arm();
    }, this.#options.intervalMs);
  }

  #sinkFailed(sink: MetricsSink, error: unknown): void {
    if (this.#failedSinks.has(sink)) return;
    this.#failedSinks.add(sink);
    this.#logger.warn({ err: error }, 'a metrics sink threw; its later failures are not logged');
  }
}
