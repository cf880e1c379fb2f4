import type { Clock } from '@kinesis-kit/commons';

/**
 * Runs one AWS request with an abort signal that fires after `timeoutMs` (by `clock`), so a hung connection fails
 * (as a retriable `TimeoutError`) instead of holding what waits on it. The request may still have been applied:
 * callers of conditional writes must treat the failure as ambiguous.
 */
export async function withRequestTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  operation: string,
  send: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: { cancel(): void } | undefined;
  // Our own rejection, not only the abort signal: middleware that never reaches the HTTP handler (or a handler that
  // ignores the signal) must not hold the caller either.
  const timedOut = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      const error = Object.assign(new Error(`${operation} got no answer within ${timeoutMs} ms`), {
        name: 'TimeoutError',
      });
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const sent = send(controller.signal);
  try {
    return await Promise.race([sent, timedOut]);
  } catch (error) {
    // The SDK rejects an aborted request with its own AbortError: report the timeout, which says why.
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    timer?.cancel();
    sent.catch(() => undefined); // settles later when the race was lost: nothing waits for it
  }
}
