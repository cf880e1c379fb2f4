import { KinesisKitError, type KinesisKitErrorOptions } from '@kinesis-kit/commons';

/** Base class of every error thrown by `@kinesis-kit/consumer`. */
export class ConsumerError extends KinesisKitError {}

/**
 * Thrown by a checkpoint (or any lease-fenced write) when this worker no longer holds the shard's lease: another
 * worker took it, or renewals failed for longer than `failoverTimeMs`. Not retriable: stop processing the shard.
 */
export class LeaseLostError extends ConsumerError {
  readonly shardId: string;
  readonly workerId: string;
  constructor(shardId: string, workerId: string, message?: string, options: KinesisKitErrorOptions = {}) {
    super(message ?? `Lease of shard ${shardId} is no longer held by worker ${workerId}`, {
      ...options,
      retriable: false,
    });
    this.shardId = shardId;
    this.workerId = workerId;
  }
}

/**
 * Thrown when the lease table exists but is not a lease table: a foreign key schema (not a single hash key
 * `leaseKey` of type S) or items without lease attributes. Nothing is written to such a table.
 */
export class LeaseTableMismatchError extends ConsumerError {
  readonly tableName: string;
  constructor(tableName: string, reason: string) {
    super(`Table ${tableName} is not a kinesis-kit/KCL lease table: ${reason}`);
    this.tableName = tableName;
  }
}

/**
 * A DynamoDB call of the lease layer failed (throttling, timeout, 5xx…). `retriable` follows the cause; the
 * lease loops retry on their own, so callers see it only from direct calls such as `checkpoint()`.
 */
export class LeaseTableError extends ConsumerError {
  readonly tableName: string;
  readonly operation: string;
  constructor(tableName: string, operation: string, options: KinesisKitErrorOptions = {}) {
    super(`Lease table ${tableName}: ${operation} failed`, options);
    this.tableName = tableName;
    this.operation = operation;
  }
}

/**
 * Thrown by a checkpointer when the position is not a sequence number, lies beyond the last record delivered to
 * the processor, or before the last checkpoint. Nothing is written.
 */
export class InvalidCheckpointError extends ConsumerError {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  constructor(
    shardId: string,
    position: { sequenceNumber: string; subSequenceNumber: number },
    reason: string,
    bound?: { sequenceNumber: string; subSequenceNumber: number },
  ) {
    const where = `${position.sequenceNumber}/${position.subSequenceNumber}`;
    const limit = bound === undefined ? '' : ` (${bound.sequenceNumber}/${bound.subSequenceNumber})`;
    super(`Invalid checkpoint ${where} for shard ${shardId}: it ${reason}${limit}`);
    this.shardId = shardId;
    this.sequenceNumber = position.sequenceNumber;
    this.subSequenceNumber = position.subSequenceNumber;
  }
}

/**
 * A lease starts `AT_TIMESTAMP` but no timestamp is known: the lease carries none (it was created by the Java KCL,
 * which keeps the timestamp in its configuration) and this worker was not configured with
 * `initialPosition: { timestamp }`. The worker gives the lease back instead of guessing.
 */
export class StartingPositionError extends ConsumerError {
  readonly shardId: string;
  constructor(shardId: string) {
    super(
      `Lease of shard ${shardId} starts AT_TIMESTAMP, but neither the lease nor this worker's initialPosition gives a timestamp`,
    );
    this.shardId = shardId;
  }
}

/** A shard's record fetcher was closed (the shard is shutting down); `next()` rejects with it. Internal signal. */
export class FetcherClosedError extends ConsumerError {
  readonly shardId: string;
  constructor(shardId: string) {
    super(`Record fetcher of shard ${shardId} is closed`);
    this.shardId = shardId;
  }
}

/** Thrown by `KinesisConsumer.start()` when the consumer was stopped or is already running. */
export class ConsumerStateError extends ConsumerError {
  readonly state: string;
  constructor(action: string, state: string) {
    super(`Cannot ${action} a consumer that is ${state}`);
    this.state = state;
  }
}

/** `ListShards` (or `DescribeStreamSummary`) failed during shard sync (after retries when `retriable`). */
export class ShardSyncError extends ConsumerError {
  readonly stream: string;
  readonly operation: string;
  constructor(stream: string, options: KinesisKitErrorOptions = {}, operation = 'ListShards') {
    super(`Shard sync of stream ${stream}: ${operation} failed`, options);
    this.stream = stream;
    this.operation = operation;
  }
}

/**
 * The lease table holds leases of another stream (or of an earlier stream of the same name, deleted and created
 * again): its checkpoints would apply to shards they were never taken from. `start()` fails with it; use another
 * `applicationName` (or `leaseTableName`), or delete the old leases.
 */
export class StreamMismatchError extends ConsumerError {
  readonly tableName: string;
  /** This worker's stream, `account:streamName:creationEpoch`. */
  readonly stream: string;
  /** The stream the table's leases belong to. */
  readonly tableStream: string;
  constructor(tableName: string, stream: string, tableStream: string) {
    super(
      `Lease table ${tableName} belongs to stream ${tableStream}, not to ${stream}: use another applicationName (or leaseTableName), or delete the old leases`,
    );
    this.tableName = tableName;
    this.stream = stream;
    this.tableStream = tableStream;
  }
}

/**
 * An enhanced fan-out subscription delivered no event within `heartbeatTimeoutMs` (events come at least every 5 s
 * on AWS). The fetcher aborts it and resubscribes from the last continuation sequence number; reported through
 * `consumer.fetch_error`.
 */
export class SubscriptionStalledError extends ConsumerError {
  readonly shardId: string;
  readonly silentForMs: number;
  constructor(shardId: string, silentForMs: number) {
    super(`SubscribeToShard of shard ${shardId} delivered no event for ${silentForMs} ms; resubscribing`, {
      retriable: true,
    });
    this.shardId = shardId;
    this.silentForMs = silentForMs;
  }
}

/** Registering (or finding) the enhanced fan-out stream consumer failed, or it did not become ACTIVE in time. */
export class StreamConsumerRegistrationError extends ConsumerError {
  readonly consumerName: string;
  constructor(consumerName: string, reason: string, options: KinesisKitErrorOptions = {}) {
    super(`Stream consumer ${consumerName}: ${reason}`, options);
    this.consumerName = consumerName;
  }
}
