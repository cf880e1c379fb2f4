import type { KeyEntry } from './keyCache/PartitionKeyCache.js';
import type { Attempt, ProducerRecord, PutResult } from './types.js';

/**
 * A clock reading (epoch ms), shared by every record admitted in one synchronous burst of put() calls
 * (KinesisProducer reads the clock once per burst, not once per record).
 */
export interface ClockReading {
  readonly at: number;
}

/** The admission of a record still waiting for capacity. */
export const NOT_ADMITTED: ClockReading = Object.freeze({ at: Number.NaN });

/**
 * One accepted user record on its way through the pipeline: what to send, where it is predicted to go, and how to
 * settle its `put()` promise. A class (not object literals) so every instance has the same shape; the fields
 * `partitionKey`, `explicitHashKey` and `data` make it an aggregation `UserRecord` (no tags) without copying.
 *
 * Every outstanding record keeps one of these alive until it settles (~50,000 at full speed, see
 * `collectionMaxBytes`), so its size is GC time: no field that can be derived (the expiry is
 * `acceptedAt + recordTtlMs`), and no number field that is not a small integer (a time would be a separate 16-byte
 * heap box per record: the admission time is a reading shared by its burst).
 */
export class PendingRecord {
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly data: Uint8Array;
  /** The routing hash key. */
  readonly hash: bigint;
  /** data + partition key bytes (what counts against outstanding bytes and the record limit). */
  readonly bytes: number;
  /** The record as the caller gave it (carried by errors). */
  readonly input: ProducerRecord;
  /** Admission order, for flush() barriers. */
  seq = 0;
  /** When it was admitted into the pipeline (NOT_ADMITTED while it waits for capacity). */
  admission: ClockReading = NOT_ADMITTED;
  /** Attempts of earlier Kinesis records that carried it (re-routed after a shard mismatch); usually undefined. */
  priorAttempts: Attempt[] | undefined = undefined;
  settled = false;
  /** The partition key's cache entry (route cache); undefined when an explicit hash key routes the record. */
  keyEntry: KeyEntry<unknown> | undefined = undefined;
  /** Settles its put() promise, or its share of a putMany() (which finds it by `seq`). */
  readonly resolve: (result: PutResult, record: PendingRecord) => void;
  readonly reject: (error: Error, record: PendingRecord) => void;

  constructor(
    input: ProducerRecord,
    data: Uint8Array,
    hash: bigint,
    bytes: number,
    resolve: (result: PutResult, record: PendingRecord) => void,
    reject: (error: Error, record: PendingRecord) => void,
  ) {
    this.input = input;
    this.partitionKey = input.partitionKey;
    this.explicitHashKey = input.explicitHashKey;
    this.data = data;
    this.hash = hash;
    this.bytes = bytes;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Counted in the producer's outstanding records (false while waiting for capacity). */
  get admitted(): boolean {
    return this.admission !== NOT_ADMITTED;
  }

  /** Epoch ms when admitted; it fails with RecordExpiredError after `acceptedAt + recordTtlMs`. */
  get acceptedAt(): number {
    return this.admission.at;
  }

  /** All attempts including `attempts` of the Kinesis record that carries it now. */
  allAttempts(attempts: readonly Attempt[]): readonly Attempt[] {
    return this.priorAttempts === undefined ? attempts : [...this.priorAttempts, ...attempts];
  }
}
