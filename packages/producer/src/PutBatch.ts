import type { PutRecordError, ValidationError } from './errors.js';
import type { PendingRecord } from './outcome.js';
import type { PutResult } from './types.js';

/** One record's fate in a `putMany()` answer: where it was stored, or the error `put()` would have rejected with. */
export type PutOutcome = PutResult | ValidationError | PutRecordError;

/**
 * The settlement of one `putMany()` call: one promise for all its records, not one per record. Its records carry
 * consecutive `seq` numbers from `firstSeq` on (one per input record, valid or not), so a record's index is
 * `seq - firstSeq` and a single shared function settles every record of the batch.
 */
export class PutBatch {
  readonly promise: Promise<PutOutcome[]>;
  readonly #outcomes: PutOutcome[];
  readonly #firstSeq: number;
  #remaining: number;
  #resolve: (outcomes: PutOutcome[]) => void = () => {};

  constructor(size: number, firstSeq: number) {
    this.#outcomes = new Array<PutOutcome>(size);
    this.#remaining = size;
    this.#firstSeq = firstSeq;
    this.promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    if (size === 0) this.#resolve(this.#outcomes);
  }

  /** Settles a record of the batch (stored, or failed: both are outcomes, the batch never rejects). */
  readonly settle = (outcome: PutResult | Error, record: PendingRecord): void => {
    this.#set(record.seq - this.#firstSeq, outcome as PutOutcome);
  };

  /** Settles the record at `index` that never entered the pipeline (invalid, or put after close()). */
  refuse(index: number, error: ValidationError | PutRecordError): void {
    this.#set(index, error);
  }

  #set(index: number, outcome: PutOutcome): void {
    this.#outcomes[index] = outcome;
    if (--this.#remaining === 0) this.#resolve(this.#outcomes);
  }
}
