import { classifyAwsError, detectConfigurationProblem, FailureKind } from '@kinesis-kit/commons';
import { ProducerConfigurationError, RecordExpiredError, RecordRejectedError } from '../errors.js';
import type { PendingRecord } from '../outcome.js';

/** What a failed first shard-map load means for the records waiting for it. */
export interface FirstLoadVerdict {
  /** No retry: the records fail now and the next put() starts a new first load. */
  fatal: boolean;
  /** The error a waiting record fails with now; undefined to keep it waiting for the retry. */
  errorFor(record: PendingRecord): Error | undefined;
  /** What to log, and at which level. */
  log: { level: 'error' | 'warn'; fields: Record<string, unknown>; message: string };
}

/**
 * The first ListShards failed (no shard map yet). A misconfiguration (no region, no credentials, an endpoint that is
 * not a URL, does not resolve or refuses connections: never reached, so far more likely a typo than an outage) fails
 * every waiting record with {@link ProducerConfigurationError}; another non-retriable error with
 * {@link RecordRejectedError}; a retriable one keeps the records waiting until their TTL.
 */
export function firstLoadFailure(error: unknown, now: number, recordTtlMs: number): FirstLoadVerdict {
  const failure = classifyAwsError(error);
  const misconfigured = detectConfigurationProblem(error, { firstContact: true });
  if (misconfigured !== undefined) {
    return {
      fatal: true,
      errorFor: (record) =>
        new ProducerConfigurationError(misconfigured.problem, misconfigured.message, record.input, {
          errorCode: failure.code,
          cause: error,
        }),
      log: { level: 'error', fields: { err: error, problem: misconfigured.problem }, message: misconfigured.message },
    };
  }
  if (failure.kind === FailureKind.FATAL) {
    return {
      fatal: true,
      errorFor: (record) =>
        new RecordRejectedError(`ListShards failed: ${failure.code}: ${failure.message}`, record.input, [], {
          errorCode: failure.code,
          cause: error,
        }),
      log: { level: 'error', fields: { err: error }, message: 'ListShards failed; the waiting records are rejected' },
    };
  }
  return {
    fatal: false,
    errorFor: (record) =>
      record.acceptedAt + recordTtlMs <= now
        ? new RecordExpiredError(
            `Record expired while the shard map could not be loaded (${failure.code})`,
            record.input,
            [],
            { errorCode: failure.code, cause: error, retriable: true },
          )
        : undefined,
    log: { level: 'warn', fields: { err: error }, message: 'ListShards failed; retrying' },
  };
}
