import type { ShardIteratorType } from '@aws-sdk/client-kinesis';
import { errorName } from '@kinesis-kit/commons';
import { StartingPositionError } from '../errors.js';
import { isSequenceNumber, SentinelCheckpoint } from '../sequence/ExtendedSequenceNumber.js';
import type { FetcherStart } from './RecordsFetcher.js';

/**
 * How far before the moment a `LATEST` reader first asked for its iterator it re-anchors when it needs a fresh one
 * before it saw any record: the moment is a lower bound of the service's clock (`ServiceTime`), or this host's wall
 * clock before any answer told it; reading a second of older records is harmless where skipping any is not.
 */
export const LATEST_ANCHOR_SLACK_MS = 1_000;

/** Where a fresh iterator (or subscription) of a shard starts. */
export interface IteratorPosition {
  ShardIteratorType: ShardIteratorType;
  StartingSequenceNumber?: string;
  Timestamp?: Date;
}

/**
 * Where a shard's reader resumes when it needs a fresh iterator (expired, invalid, a new subscription), so that
 * nothing is skipped and nothing read twice: after the last Kinesis record it fetched; before that, the lease's
 * position — a checkpoint is resumed `AT_SEQUENCE_NUMBER` (it may sit inside an aggregate whose later user records
 * are still due), and a `LATEST` start is never re-read from a new `LATEST`: it is anchored at a time (the lease's
 * start time when it has one, else just before this reader's first iterator) and resumed `AT_TIMESTAMP` there.
 * Shared by the polling and fan-out readers.
 */
export class ResumePoint {
  readonly #start: FetcherStart;
  /** Epoch ms to anchor a `LATEST` start at now (the service's clock: `anchorTime`). */
  readonly #anchorClock: () => number;
  /** Sequence number of the last Kinesis record fetched (not necessarily processed). */
  #lastFetched: string | undefined;
  /** A `LATEST` start's anchor, once known. */
  #anchor: Date | undefined;

  constructor(start: FetcherStart, anchorClock: () => number = Date.now) {
    this.#start = start;
    this.#anchorClock = anchorClock;
    if (start.position.sequenceNumber === SentinelCheckpoint.LATEST) this.#anchor = start.startTimestamp;
  }

  /** The last Kinesis record fetched (or a fan-out continuation sequence number): resume after it. */
  fetched(sequenceNumber: string): void {
    this.#lastFetched = sequenceNumber;
  }

  get lastFetched(): string | undefined {
    return this.#lastFetched;
  }

  /**
   * The service refused the timestamp anchor as being in its future (this worker's clock runs ahead): resume at
   * the tip instead. Returns false when there was no anchor to drop.
   */
  dropAnchor(): boolean {
    if (this.#anchor === undefined || this.#lastFetched !== undefined) return false;
    this.#anchor = undefined;
    return true;
  }

  /** The position of the next fresh iterator. Throws `StartingPositionError` for an AT_TIMESTAMP without a time. */
  next(): IteratorPosition {
    if (this.#lastFetched !== undefined)
      return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: this.#lastFetched };
    const { sequenceNumber } = this.#start.position;
    if (isSequenceNumber(sequenceNumber))
      return { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber };
    if (sequenceNumber === SentinelCheckpoint.LATEST) {
      if (this.#anchor !== undefined) return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: this.#anchor };
      // The first read from the tip: every later fresh iterator resumes at (just before) this moment.
      this.#anchor = new Date(this.#anchorClock() - LATEST_ANCHOR_SLACK_MS);
      return { ShardIteratorType: 'LATEST' };
    }
    if (sequenceNumber === SentinelCheckpoint.AT_TIMESTAMP) {
      const timestamp = this.#start.startTimestamp ?? this.#start.timestamp;
      if (timestamp === undefined) throw new StartingPositionError(this.#start.shardId);
      return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: timestamp };
    }
    return { ShardIteratorType: 'TRIM_HORIZON' };
  }
}

/** GetShardIterator refused an AT_TIMESTAMP later than the service's clock. */
export function isFutureTimestamp(error: unknown): boolean {
  return (
    errorName(error) === 'InvalidArgumentException' &&
    /timestamp/i.test(error instanceof Error ? error.message : String(error))
  );
}
