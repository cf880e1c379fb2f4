/** What a run replaces on the global object while it runs. */
export interface GlobalPatchOptions {
  /** The wall clock (epoch ms) `Date.now()` and `new Date()` return: it may step back and forth. */
  wallNow: () => number;
  /** Replaces `Math.random` (the consumer's backoff jitter and ids): seeded, so the run is reproducible. */
  random: () => number;
  /** Called when library code (not the harness) arms a real timer: it would escape virtual time. */
  onRealTimer: (what: string, stack: string) => void;
}

type TimerFn = typeof globalThis.setTimeout;

/**
 * Patches `Date`, `Math.random`, `setTimeout` and `setInterval` for the duration of a run and returns the function
 * that restores them. Real timers are still armed (the caller may be a test runner), but one armed from package
 * code is reported: anything that sleeps on a real timer is a seam that virtual time cannot control.
 */
export function installGlobalPatches(options: GlobalPatchOptions): () => void {
  const RealDate = globalThis.Date;
  const realRandom = Math.random;
  const realSetTimeout = globalThis.setTimeout;
  const realSetInterval = globalThis.setInterval;
  const { wallNow } = options;

  class SimDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(wallNow());
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return wallNow();
    }
  }

  const watch = <F extends TimerFn | typeof globalThis.setInterval>(what: string, real: F): F => {
    const call = real as unknown as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => {
      const stack = new Error().stack ?? '';
      if (isLibraryFrame(stack)) options.onRealTimer(what, stack);
      return call(...args);
    }) as unknown as F;
  };

  globalThis.Date = SimDate as DateConstructor;
  Math.random = options.random;
  globalThis.setTimeout = watch('setTimeout', realSetTimeout);
  globalThis.setInterval = watch('setInterval', realSetInterval);
  return () => {
    globalThis.Date = RealDate;
    Math.random = realRandom;
    globalThis.setTimeout = realSetTimeout;
    globalThis.setInterval = realSetInterval;
  };
}

/** The first frame below the wrapper belongs to our packages or their runtime dependencies. */
function isLibraryFrame(stack: string): boolean {
  const caller = stack.split('\n')[2] ?? '';
  return /\/packages\/|p-queue|@smithy|@aws-sdk/.test(caller);
}
