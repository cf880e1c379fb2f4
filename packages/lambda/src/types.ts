// Minimal structural types of the Lambda Kinesis event, response and context. They are declared here (not imported
// from @types/aws-lambda) so users need not install anything; `@types/aws-lambda`'s `KinesisStreamEvent`,
// `KinesisStreamBatchResponse` and `Context` are assignable to them (checked by the package's type tests).
import type { DeaggregatedRecord } from '@kinesis-kit/aggregation';

/** The `kinesis` payload of a Lambda Kinesis event record (`KinesisStreamRecordPayload`). */
export interface KinesisEventPayload {
  /** Base64 of the record's data. */
  data: string;
  partitionKey: string;
  sequenceNumber: string;
  /** Epoch **seconds** (with a fraction). */
  approximateArrivalTimestamp: number;
  kinesisSchemaVersion?: string;
}

/** One record of a Lambda Kinesis event (`KinesisStreamRecord`). */
export interface KinesisEventRecord {
  kinesis: KinesisEventPayload;
  /** `shardId-000000000000:<sequence number>`. */
  eventID: string;
  /** The stream's ARN. */
  eventSourceARN: string;
  eventSource?: string;
  eventName?: string;
  eventVersion?: string;
  awsRegion?: string;
  invokeIdentityArn?: string;
}

/** A Lambda Kinesis event (`KinesisStreamEvent`). */
export interface KinesisEvent {
  Records: KinesisEventRecord[];
}

/** One entry of the partial batch response. */
export interface BatchItemFailure {
  /** The sequence number of the Kinesis record to retry from. */
  itemIdentifier: string;
}

/** The partial batch response for `ReportBatchItemFailures` (`KinesisStreamBatchResponse`). */
export interface KinesisBatchResponse {
  batchItemFailures: BatchItemFailure[];
}

/** The part of the Lambda `Context` used here. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

/**
 * One user record handed to your function: a deaggregated KPL user record (or a whole Kinesis record that was not
 * aggregated), plus the event record it came from.
 */
export interface KinesisUserRecord extends DeaggregatedRecord {
  /** The Lambda event record (Kinesis record) this user record is part of. Its sequence number is what gets reported. */
  eventRecord: KinesisEventRecord;
}

/** What your function gets besides the record(s): the shard being processed and the invocation. */
export interface ShardBatchContext {
  /** The stream's ARN (`eventSourceARN`). */
  eventSourceARN: string;
  /** The shard id, from `eventID`. */
  shardId: string;
  /** The Lambda context, when the handler was given one. */
  lambdaContext: LambdaContext | undefined;
}

/**
 * Your per-record function. Throw (or reject) to fail the record. Records of one partition key are never run
 * concurrently, and always in sequence order.
 */
export type KinesisRecordHandler = (record: KinesisUserRecord, context: ShardBatchContext) => unknown;

/** What a per-batch function may return to say which records it did not process. */
export interface BatchHandlerResult {
  /**
   * Index (into the `records` it was given) of the first user record that was not processed. That record's Kinesis
   * record is reported, so Lambda retries from it. Omit (or return nothing) when every record was processed.
   */
  firstFailedIndex?: number | undefined;
}

/**
 * Your per-batch function: gets every user record of one shard's batch, in order. Throw (or reject) to fail the
 * whole batch; return `{ firstFailedIndex }` to fail from a record on.
 */
export type KinesisBatchRecordsHandler = (
  records: readonly KinesisUserRecord[],
  context: ShardBatchContext,
) => BatchHandlerReturn | Promise<BatchHandlerReturn>;

/** What a per-batch function returns (nothing means every record was processed). */
// biome-ignore lint/suspicious/noConfusingVoidType: `async (records) => { … }` returns Promise<void>, which must fit.
export type BatchHandlerReturn = BatchHandlerResult | undefined | void;
