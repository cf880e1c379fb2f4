/** Exponential backoff with jitter. @see {@link backoffDelay} */
export interface BackoffOptions {
  /** Delay of the first retry before jitter. @default 100 */
  baseDelayMs?: number;
  /** Upper bound of any delay. @default 10_000 */
  maxDelayMs?: number;
}

export const DEFAULT_BACKOFF_OPTIONS: Readonly<Required<BackoffOptions>> = Object.freeze({
  baseDelayMs: 100,
  maxDelayMs: 10_000,
});

/**
 * The delay before retry number `attempt` (1-based): "full jitter" over an exponentially growing cap,
 * as the AWS architecture blog recommends, so a fleet of retrying clients spreads out.
 * Pure: pass `random` (0 ≤ x < 1) to make it deterministic.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseDelayMs ?? DEFAULT_BACKOFF_OPTIONS.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_BACKOFF_OPTIONS.maxDelayMs;
  const cap = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  // Never below a tenth of base: a zero delay would turn a throttled retry into a hot loop.
  return Math.max(base / 10, Math.floor(random() * cap));
}
