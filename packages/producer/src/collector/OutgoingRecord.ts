import type { PendingRecord } from '../outcome.js';
import type { Attempt } from '../types.js';
import type { ShardQueue } from './ShardQueue.js';

const NO_ATTEMPTS: readonly Attempt[] = Object.freeze([]);

/** One Kinesis record (aggregated or not) waiting in a shard queue or in flight, with the user records it carries. */
export class OutgoingRecord {
  /** The shard it was predicted to land in (whose queue holds it). */
  readonly shard: ShardQueue;
  readonly records: readonly PendingRecord[];
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly aggregated: boolean;
  /** data + partition key bytes: what PutRecords counts. */
  readonly bytes: number;
  /** Send by then at the latest (oldest user record + maxBufferedTimeMs). */
  readonly deadline: number;
  /** Fails with RecordExpiredError after this (the oldest user record's expiry). */
  readonly expiresAt: number;
  /** Sum of the user records' acceptance times (BufferingTime metric without a per-record loop). */
  readonly acceptedAtSum: number;
  /** Data bytes of the user records inside (UserRecordsDataPut without a per-record loop). */
  readonly userDataBytes: number;
  /** Not before this (retry backoff). */
  notBefore = 0;
  /** True once it has been sent at least once (BufferingTime counts the first send only). */
  sent = false;
  /** Created at the first attempt: a record that is never sent (or sent once, aggregated or not) costs no array. */
  #attempts: Attempt[] | undefined = undefined;

  constructor(
    shard: ShardQueue,
    records: readonly PendingRecord[],
    data: Uint8Array,
    partitionKey: string,
    explicitHashKey: string | undefined,
    aggregated: boolean,
    keyBytes: number,
    deadline: number,
    expiresAt: number,
    acceptedAtSum: number,
    userDataBytes: number,
  ) {
    this.shard = shard;
    this.records = records;
    this.data = data;
    this.partitionKey = partitionKey;
    this.explicitHashKey = explicitHashKey;
    this.aggregated = aggregated;
    this.bytes = data.length + keyBytes;
    this.deadline = deadline;
    this.expiresAt = expiresAt;
    this.acceptedAtSum = acceptedAtSum;
    this.userDataBytes = userDataBytes;
  }

  /** Every attempt so far, oldest first (a shared frozen empty array before the first). */
  get attempts(): readonly Attempt[] {
    return this.#attempts ?? NO_ATTEMPTS;
  }

  addAttempt(attempt: Attempt): void {
    if (this.#attempts === undefined) this.#attempts = [attempt];
    else this.#attempts.push(attempt);
  }
}
