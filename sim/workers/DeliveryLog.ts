import type { ConsumerRecord } from '@kinesis-kit/consumer';
import type { Attempt, Delivery, ProcessorVariant, Session } from '../checker/RunLog.js';

/**
 * What the workers' processors saw: lease sessions (one per runner: from `consumer.lease_gained` to the runner's
 * `DONE`), processor calls (attempts) and every record handed to user code, with true time. A worker runs at most
 * one runner per shard at a time, so the session of a delivery is the latest one started for its worker and shard.
 */
export class DeliveryLog {
  readonly attempts: Attempt[] = [];
  readonly sessions: Session[] = [];
  /** `n` of every user record processed successfully at least once (the run's progress measure). */
  readonly processed = new Set<number>();
  readonly #current = new Map<string, Session>();
  /** The last attempt of each session (for `eachRecord`: is this handler call the start of a processor call?). */
  readonly #lastAttempt = new Map<string, Attempt>();
  /** Each GetRecords answer's buffer names its batch (the fake answers every call with one fresh buffer). */
  readonly #batchIds = new WeakMap<ArrayBufferLike, number>();
  #batches = 0;
  readonly #now: () => number;
  readonly #order: () => number;
  #attemptIds = 0;
  #sessionIds = 0;

  constructor(now: () => number, order: () => number) {
    this.#now = now;
    this.#order = order;
  }

  startSession(worker: string, shardId: string): Session {
    const session: Session = {
      id: `${worker}#${++this.#sessionIds}`,
      worker,
      shardId,
      startedAt: this.#now(),
      startOrder: this.#order(),
      endedAt: undefined,
      endOrder: undefined,
      endReason: undefined,
    };
    this.sessions.push(session);
    this.#current.set(`${worker}/${shardId}`, session);
    return session;
  }

  endSession(worker: string, shardId: string, reason: string): void {
    const session = this.#current.get(`${worker}/${shardId}`);
    if (session === undefined || session.endedAt !== undefined) return;
    session.endedAt = this.#now();
    session.endOrder = this.#order();
    session.endReason = reason;
  }

  /** A worker was killed: its open sessions end now. */
  endAll(worker: string, reason: string): void {
    for (const session of this.#current.values())
      if (session.worker === worker && session.endedAt === undefined) {
        session.endedAt = this.#now();
        session.endOrder = this.#order();
        session.endReason = reason;
      }
  }

  beginAttempt(
    worker: string,
    shardId: string,
    variant: ProcessorVariant,
    onProcessorError: 'retry' | 'skip',
    records: readonly ConsumerRecord[],
  ): Attempt {
    const session = this.#current.get(`${worker}/${shardId}`);
    const sessionId = session?.id ?? `${worker}#unknown`;
    const t = this.#now();
    const batch = this.#batchOf(records[0]);
    const previous = this.#lastAttempt.get(sessionId);
    const callStart =
      variant !== 'eachRecord' || previous === undefined || previous.batch !== batch || previous.threw !== undefined;
    const attempt: Attempt = {
      id: ++this.#attemptIds,
      t,
      o: this.#order(),
      worker,
      session: sessionId,
      shardId,
      deliveries: [],
      batch,
      callStart,
      threw: undefined,
      onProcessorError,
      variant,
    };
    for (const record of records)
      attempt.deliveries.push({
        t,
        attempt,
        n: decodeN(record.data),
        key: record.partitionKey,
        seq: record.sequenceNumber,
        sub: record.subSequenceNumber,
        ok: false,
      });
    this.attempts.push(attempt);
    this.#lastAttempt.set(sessionId, attempt);
    return attempt;
  }

  #batchOf(record: ConsumerRecord | undefined): number {
    if (record === undefined) return 0;
    const buffer = record.data.buffer;
    let id = this.#batchIds.get(buffer);
    if (id === undefined) {
      id = ++this.#batches;
      this.#batchIds.set(buffer, id);
    }
    return id;
  }

  succeeded(delivery: Delivery): void {
    delivery.ok = true;
    this.processed.add(delivery.n);
  }

  threw(attempt: Attempt, delivery: Delivery | undefined): void {
    attempt.threw = { at: this.#now(), delivery };
  }
}

/** The payload is the decimal `n` of the put (see SimProducer). */
function decodeN(data: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) n = n * 10 + (data[i]! - 48);
  return n;
}
