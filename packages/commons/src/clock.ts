/** A cancellable timer handle. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time for deadlines, intervals and timers, injectable so tests (and the consumer simulation) can drive loops
 * without waiting. `setTimeout` timers are `unref()`'d: they never keep a process (a script, a Lambda) alive.
 */
export interface Clock {
  /**
   * Milliseconds on a **monotonic** clock: never steps backwards or jumps when the wall clock is set (NTP, a VM
   * resumed, an operator). Only differences between two readings mean anything; never compare it with a `Date`.
   */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /**
   * Holds the process open until the handle is cancelled (a worker between `start()` and `stop()`, a `stop()` in
   * progress): the one ref'd handle a library timer ever takes. Fake clocks leave it out (nothing to hold).
   */
  holdProcessOpen?(): TimerHandle;
}

/**
 * The process's clock: `performance.now()` (monotonic), so a lease deadline cannot be stretched or shortened by a
 * wall-clock step. Wall time (`Date.now()`) is used only where a value leaves the process (timestamps in records,
 * lease items, logs).
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  holdProcessOpen() {
    const handle = setInterval(() => {}, 1 << 30);
    return { cancel: () => clearInterval(handle) };
  },
};

/** Resolves after `ms`, or rejects with the signal's reason when aborted. The timer is unref()'d. */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
