import { backoffDelay, type Clock, type Logger, sleep, type TypedEmitter } from '@kinesis-kit/commons';
import { LeaseLostError } from '../errors.js';
import { type ConsumerEvents, ProcessorErrorAction } from '../events.js';

/** How a processor call under the error policy ended. */
export const CallOutcome = {
  /** It returned. */
  DONE: 'done',
  /** It threw and the policy is `skip`: it counts as done. */
  SKIPPED: 'skipped',
  /** It threw and the policy is `stop_shard`. */
  STOPPED: 'stopped',
  /** The runner was interrupted (stop, lease lost) before it succeeded, or it was never called. */
  INTERRUPTED: 'interrupted',
} as const;
export type CallOutcome = (typeof CallOutcome)[keyof typeof CallOutcome];

/** Returned by a call that decided not to run the processor at all (the lease went while it was queued). */
export const NOT_CALLED = Symbol('not called');

/** What `callProcessor` needs from the runner. */
export interface ProcessorCallContext {
  readonly shardId: string;
  readonly events: TypedEmitter<ConsumerEvents>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** Aborted when the runner is interrupted: cancels the backoff wait. */
  readonly signal: AbortSignal;
  /** True while the runner may go on (not interrupted, lease held in its session). */
  canContinue(): boolean;
  /** The lease is gone (a fenced write said so): the runner must stop. */
  leaseLost(): void;
}

/**
 * Runs one processor call (`initialize`, `processRecords`, `shardEnded`) under the error policy, retrying with
 * backoff until it succeeds, the policy skips or stops, or the runner is interrupted. `call` gets the attempt
 * number. `LeaseLostError` from inside the call (a checkpoint of a session that is over) means the lease is gone.
 * Every failure is reported loudly (warn log + `consumer.processor_error`) with its attempt and action.
 */
export async function callProcessor(
  context: ProcessorCallContext,
  what: string,
  recordCount: number,
  action: ProcessorErrorAction,
  call: (attempt: number) => Promise<unknown>,
): Promise<CallOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await call(attempt);
      return result === NOT_CALLED ? CallOutcome.INTERRUPTED : CallOutcome.DONE;
    } catch (error) {
      if (error instanceof LeaseLostError) {
        context.leaseLost();
        return CallOutcome.INTERRUPTED;
      }
      if (context.signal.aborted) {
        // Told to stop (signal) and it did, by throwing: not a processor error, and nothing to retry.
        context.logger.debug({ err: error, shardId: context.shardId, what }, `${what} stopped early`);
        return CallOutcome.INTERRUPTED;
      }
      const retryInMs =
        action === ProcessorErrorAction.RETRY
          ? backoffDelay(attempt, { baseDelayMs: context.retryBaseDelayMs, maxDelayMs: context.retryMaxDelayMs })
          : undefined;
      context.logger.warn(
        { err: error, shardId: context.shardId, what, attempt, action, recordCount, retryInMs },
        `${what} threw; ${action === ProcessorErrorAction.RETRY ? 'retrying' : action}`,
      );
      context.events.emit('consumer.processor_error', {
        shardId: context.shardId,
        error,
        attempt,
        action,
        recordCount,
        ...(retryInMs === undefined ? {} : { retryInMs }),
      });
      if (action === ProcessorErrorAction.SKIP) return CallOutcome.SKIPPED;
      if (action === ProcessorErrorAction.STOP_SHARD) return CallOutcome.STOPPED;
      if (!context.canContinue()) return CallOutcome.INTERRUPTED;
      try {
        await sleep(retryInMs ?? 0, context.signal, context.clock);
      } catch {
        return CallOutcome.INTERRUPTED;
      }
      if (!context.canContinue()) return CallOutcome.INTERRUPTED;
    }
  }
}
