import type { Logger } from '@kinesis-kit/commons';
import type { ResolvedKinesisRecordOptions } from './options.js';
import type { KinesisRecordHandler, KinesisUserRecord, ShardBatchContext } from './types.js';

/** Outcome of one record: not started, processed, failed, or skipped because its key failed earlier. */
export const RecordStatus = { PENDING: 0, OK: 1, FAILED: 2, SKIPPED: 3 } as const;

/** What running a shard's records gave. */
export interface RunOutcome {
  /** Index of the first record that did not succeed (failed, skipped or never started); -1 when all succeeded. */
  firstUnsuccessful: number;
  succeeded: number;
  /** What the handler threw, in completion order. */
  errors: unknown[];
}

/**
 * Runs `handler` over `records` (one shard, sequence order): one at a time, or with `concurrency` > 1 records of
 * different partition keys overlapping (a key's records never overlap and keep their order; records start in
 * sequence order, a record whose key is busy waiting for it without holding back other keys). After a failure,
 * nothing more starts (`never`) or only the failed key's later records are skipped (`other-partition-keys`).
 */
export function runRecords(
  records: readonly KinesisUserRecord[],
  handler: KinesisRecordHandler,
  context: ShardBatchContext,
  options: ResolvedKinesisRecordOptions,
  logger: Logger,
): Promise<RunOutcome> {
  if (options.concurrency === 1 || records.length <= 1)
    return runSequentially(records, handler, context, options, logger);
  return new KeyedRunner(records, handler, context, options, logger).run();
}

function outOfTime(context: ShardBatchContext, marginMs: number): boolean {
  return (
    marginMs > 0 && context.lambdaContext !== undefined && context.lambdaContext.getRemainingTimeInMillis() < marginMs
  );
}

async function runSequentially(
  records: readonly KinesisUserRecord[],
  handler: KinesisRecordHandler,
  context: ShardBatchContext,
  options: ResolvedKinesisRecordOptions,
  logger: Logger,
): Promise<RunOutcome> {
  const continueOtherKeys = options.continueOnFailure === 'other-partition-keys';
  const margin = options.remainingTimeMarginMs;
  const errors: unknown[] = [];
  let failedKeys: Set<string> | undefined;
  let firstUnsuccessful = -1;
  let succeeded = 0;
  for (let i = 0; i < records.length; i++) {
    if (outOfTime(context, margin)) {
      logger.warn({ remaining: records.length - i }, 'stopping before the Lambda timeout; the rest will be retried');
      if (firstUnsuccessful < 0) firstUnsuccessful = i;
      break;
    }
    const record = records[i]!;
    if (failedKeys?.has(record.partitionKey)) continue;
    try {
      const result = handler(record, context);
      if (isThenable(result)) await result;
      succeeded++;
    } catch (error) {
      errors.push(error);
      logger.warn(
        { err: error, sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber },
        'record failed',
      );
      if (firstUnsuccessful < 0) firstUnsuccessful = i;
      if (!continueOtherKeys) break;
      failedKeys ??= new Set();
      failedKeys.add(record.partitionKey);
    }
  }
  return { firstUnsuccessful, succeeded, errors };
}

/** The concurrent path (see runRecords). Single use. */
class KeyedRunner {
  readonly #records: readonly KinesisUserRecord[];
  readonly #handler: KinesisRecordHandler;
  readonly #context: ShardBatchContext;
  readonly #options: ResolvedKinesisRecordOptions;
  readonly #logger: Logger;
  readonly #status: Uint8Array;
  /** Keys with a record running → indices of that key's records waiting for it, in order. */
  readonly #busy = new Map<string, number[]>();
  readonly #failedKeys = new Set<string>();
  readonly #errors: unknown[] = [];
  /** Next record to consider starting (every record before it started, waits for its key, or was skipped). */
  #next = 0;
  #running = 0;
  #succeeded = 0;
  #stopped = false;
  #done: (outcome: RunOutcome) => void = () => {};

  constructor(
    records: readonly KinesisUserRecord[],
    handler: KinesisRecordHandler,
    context: ShardBatchContext,
    options: ResolvedKinesisRecordOptions,
    logger: Logger,
  ) {
    this.#records = records;
    this.#handler = handler;
    this.#context = context;
    this.#options = options;
    this.#logger = logger;
    this.#status = new Uint8Array(records.length);
  }

  run(): Promise<RunOutcome> {
    return new Promise((resolve) => {
      this.#done = resolve;
      this.#fill();
      this.#finishIfIdle();
    });
  }

  /** Starts records in sequence order while slots are free. */
  #fill(): void {
    const records = this.#records;
    while (!this.#stopped && this.#running < this.#options.concurrency && this.#next < records.length) {
      const index = this.#next++;
      const key = records[index]!.partitionKey;
      if (this.#failedKeys.has(key)) {
        this.#status[index] = RecordStatus.SKIPPED;
        continue;
      }
      const waiting = this.#busy.get(key);
      if (waiting !== undefined) {
        waiting.push(index);
        continue;
      }
      if (!this.#start(index)) return;
      this.#busy.set(key, []);
    }
  }

  /** Starts one record; false (and stops) when out of time. */
  #start(index: number): boolean {
    if (outOfTime(this.#context, this.#options.remainingTimeMarginMs)) {
      this.#logger.warn('stopping before the Lambda timeout; the records not started will be retried');
      this.#stopped = true;
      return false;
    }
    this.#running++;
    const record = this.#records[index]!;
    Promise.resolve(record)
      .then((r) => this.#handler(r, this.#context))
      .then(
        () => this.#settle(index, true, undefined),
        (error: unknown) => this.#settle(index, false, error),
      );
    return true;
  }

  #settle(index: number, ok: boolean, error: unknown): void {
    this.#running--;
    const record = this.#records[index]!;
    const key = record.partitionKey;
    if (ok) {
      this.#status[index] = RecordStatus.OK;
      this.#succeeded++;
    } else {
      this.#status[index] = RecordStatus.FAILED;
      this.#errors.push(error);
      this.#logger.warn(
        { err: error, sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber },
        'record failed',
      );
      if (this.#options.continueOnFailure === 'other-partition-keys') this.#failedKeys.add(key);
      else this.#stopped = true;
    }
    const waiting = this.#busy.get(key);
    if (!ok && waiting !== undefined) {
      for (const skipped of waiting) this.#status[skipped] = RecordStatus.SKIPPED;
      waiting.length = 0;
    }
    const nextOfKey = this.#stopped ? undefined : waiting?.shift();
    // The key's next record takes the freed slot first: it is earlier in sequence than anything not yet considered.
    if (nextOfKey === undefined || !this.#start(nextOfKey)) this.#busy.delete(key);
    this.#fill();
    this.#finishIfIdle();
  }

  #finishIfIdle(): void {
    if (this.#running > 0) return;
    if (!this.#stopped && this.#next < this.#records.length) return;
    const status = this.#status;
    let firstUnsuccessful = -1;
    for (let i = 0; i < status.length; i++) {
      if (status[i] !== RecordStatus.OK) {
        firstUnsuccessful = i;
        break;
      }
    }
    this.#done({ firstUnsuccessful, succeeded: this.#succeeded, errors: this.#errors });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
