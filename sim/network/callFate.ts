import type { Actor } from '../world/EventQueue.js';

/**
 * What happens to one call, decided when it is sent (by the fault schedule):
 * - `ok`: processed, answered after the latency;
 * - `throttle`: refused (not applied), answered with the service's throttling error;
 * - `ambiguous`: processed (a write is applied), but the caller gets a timeout or a 500;
 * - `fail`: lost on the way (not applied), the caller gets a network error after the latency;
 * - `hangUntil`: no answer until `until` (a partition heals), then a connection reset; not applied;
 * - `hang`: never answered; settles only if the caller's `abortSignal` fires. Applied or not, at random.
 */
export type CallFate =
  | { readonly kind: 'ok' }
  | { readonly kind: 'throttle' }
  | { readonly kind: 'ambiguous' }
  | { readonly kind: 'fail' }
  | { readonly kind: 'hangUntil'; readonly until: number }
  | { readonly kind: 'hang'; readonly applied: boolean };

export const OK: CallFate = Object.freeze({ kind: 'ok' });

/** What the caller finally got: an answer, an error, or nothing (hung, or killed before the answer). */
export type CallAnswer = 'pending' | 'ok' | 'error' | 'none';

/** One call as a service sees it; `answer` is filled in by the network when the caller gets (or misses) it. */
export interface CallContext {
  readonly caller: string;
  readonly op: string;
  answer: CallAnswer;
  /** The caller (a streaming answer, SubscribeToShard's events, reaches it as its own events). */
  readonly actor?: Actor | undefined;
  /** The caller's abort signal (a streaming answer ends when it fires). */
  readonly signal?: AbortSignal | undefined;
}

/** A service behind the network: `handle` runs at the moment the request is processed, and may throw. */
export interface SimService {
  readonly name: 'kinesis' | 'dynamodb';
  /** The operation name of a command (for fault decisions and logs), or a harness error for an unknown one. */
  operationOf(command: object): string;
  handle(command: object, call: CallContext): unknown;
  /** The error a throttled call gets. */
  throttlingError(op: string): Error;
  /** The error of an ambiguous call (processed, then the answer was lost): a timeout or a 500. */
  ambiguousError(op: string, serverError: boolean): Error;
}

/** Decides the fate and latency of each call (the fault schedule implements it). */
export interface FaultPolicy {
  fate(worker: string, service: SimService['name'], op: string, now: number): CallFate;
  latencyMs(worker: string, service: SimService['name'], op: string): number;
}

/** Something the harness cannot model (an unsupported command or expression): it must never pass silently. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}

/** The SDK's shape of a client-side timeout (no HTTP status). */
export function timeoutError(op: string): Error {
  return Object.assign(new Error(`${op}: request timed out (simulated)`), { name: 'TimeoutError' });
}

/** The SDK's shape of a dropped connection. */
export function connectionResetError(op: string): Error {
  return Object.assign(new Error(`${op}: socket hang up (simulated)`), { code: 'ECONNRESET' });
}
