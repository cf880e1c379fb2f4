import type { Logger } from './logger/Logger.js';

/** A listener for one event, receiving that event's payload. */
export type Listener<P> = (payload: P) => void;

/**
 * A small typed event emitter for instrumentation events (`producer.put_records`,
 * `consumer.lease_gained`, …). `on()` returns an unsubscribe function; payloads are built only when
 * someone listens (see {@link TypedEmitter.emitLazy}); a throwing listener is logged, never rethrown
 * into the library's loops.
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  /** Whether anyone listens to `event`: check before building an expensive payload. */
  hasListeners(event: keyof Events): boolean {
    const set = this.#listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined || set.size === 0) return;
    for (const listener of set) {
      try {
        (listener as Listener<Events[E]>)(payload);
      } catch (error) {
        this.#logger.warn({ err: error, event: String(event) }, 'event listener threw; ignored');
      }
    }
  }

  /** Emits with a payload built only if someone listens. */
  emitLazy<E extends keyof Events>(event: E, build: () => Events[E]): void {
    if (this.hasListeners(event)) this.emit(event, build());
  }
}
