import { KinesisKitError } from '@kinesis-kit/commons';

/** Why an aggregated record failed to decode. */
export const AggregationFormatErrorReason = {
  /** The MD5 trailer does not match the protobuf bytes. */
  CHECKSUM: 'checksum',
  /** The protobuf bytes end in the middle of a field. */
  TRUNCATED: 'truncated',
  /** The protobuf bytes are malformed otherwise (bad wire type, missing required field). */
  PROTOBUF: 'protobuf',
  /** A user record's partition key or explicit hash key index points past its table. */
  KEY_INDEX: 'key_index',
  /** An explicit hash key in the table is not a decimal integer in 0 … 2^128 − 1. */
  EXPLICIT_HASH_KEY: 'explicit_hash_key',
} as const;
export type AggregationFormatErrorReason =
  (typeof AggregationFormatErrorReason)[keyof typeof AggregationFormatErrorReason];

/**
 * A Kinesis record starts with the KPL magic but is not a valid aggregate. Thrown by `deaggregate()` in `strict`
 * mode; otherwise returned in the result (`formatError`) while the record passes through raw, as the KCL does.
 */
export class AggregationFormatError extends KinesisKitError {
  readonly reason: AggregationFormatErrorReason;
  /** Sequence number of the Kinesis record that failed, when known. */
  readonly sequenceNumber: string | undefined;

  constructor(
    reason: AggregationFormatErrorReason,
    message: string,
    options: { sequenceNumber?: string | undefined; cause?: unknown } = {},
  ) {
    super(options.sequenceNumber === undefined ? message : `${message} (sequence number ${options.sequenceNumber})`, {
      cause: options.cause,
    });
    this.reason = reason;
    this.sequenceNumber = options.sequenceNumber;
  }
}

/** An explicit hash key is not a decimal integer in 0 … 2^128 − 1 (the range Kinesis accepts). */
export class InvalidHashKeyError extends KinesisKitError {
  /** The rejected value. */
  readonly value: string;
  constructor(value: string) {
    super(`Expected an explicit hash key to be a decimal integer in 0 … 2^128 − 1, got ${JSON.stringify(value)}`);
    this.value = value;
  }
}

/**
 * `RecordAggregator.add()` was called with a user record that does not fit (check `wouldFit()` first). On an empty
 * aggregator this means the record can never be sent: its data plus partition key exceed `maxRecordBytes`.
 */
export class RecordDoesNotFitError extends KinesisKitError {
  /** Bytes of the user record's data. */
  readonly dataBytes: number;
  /** User records already in the aggregator. */
  readonly aggregatorCount: number;
  constructor(dataBytes: number, aggregatorCount: number, message: string) {
    super(message);
    this.dataBytes = dataBytes;
    this.aggregatorCount = aggregatorCount;
  }
}

/** `RecordAggregator.build()` was called with no user records added. */
export class EmptyAggregatorError extends KinesisKitError {
  constructor() {
    super('Cannot build an aggregated record from an empty RecordAggregator');
  }
}
