import { KinesisKitError } from '@kinesis-kit/commons';

/** The event given to a Kinesis handler is not a Lambda Kinesis event (no `Records` array, or a record without `kinesis`). */
export class UnexpectedEventError extends KinesisKitError {}

/**
 * Every record of the event failed (or was left unprocessed because of an earlier failure) and none succeeded.
 * Thrown instead of returning a partial batch response when `throwOnFullBatchFailure` is on (the default, as in
 * Powertools' batch processor), so that the invocation counts as an error and `BisectBatchOnFunctionError` applies.
 */
export class FullBatchFailureError extends KinesisKitError {
  /** What the handler threw, in the order the failures happened. */
  readonly recordErrors: readonly unknown[];
  constructor(recordErrors: readonly unknown[]) {
    super(
      `Every record of the batch failed (${recordErrors.length} handler error${recordErrors.length === 1 ? '' : 's'}); none was processed`,
      { cause: recordErrors[0] },
    );
    this.recordErrors = recordErrors;
  }
}

/** A per-batch handler returned a `firstFailedIndex` that is not an index of the records it was given. */
export class InvalidBatchResultError extends KinesisKitError {
  constructor(value: unknown, recordCount: number) {
    super(
      `Expected \`firstFailedIndex\` to be an integer in 0 … ${recordCount - 1} (or undefined), got \`${String(value)}\``,
    );
  }
}
