import {
  DescribeStreamCommand,
  type DescribeStreamCommandOutput,
  DescribeStreamSummaryCommand,
  type DescribeStreamSummaryCommandOutput,
  GetRecordsCommand,
  type GetRecordsCommandInput,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type GetShardIteratorCommandOutput,
  ListShardsCommand,
  type ListShardsCommandInput,
  type ListShardsCommandOutput,
  type Shard,
  SubscribeToShardCommand,
  type SubscribeToShardCommandInput,
  type SubscribeToShardCommandOutput,
} from '@aws-sdk/client-kinesis';
import { type CallContext, HarnessError, type SimService, timeoutError } from '../network/callFate.js';
import type { World } from '../world/World.js';
import { kinesisErrors } from './kinesisErrors.js';
import { ITERATOR_LIFETIME_MS, ShardIterators } from './ShardIterators.js';
import type { SimShard, SimStream } from './SimStream.js';
import { Subscription } from './Subscription.js';
import { childShardsOf, millisBehind, sdkRecords, startIndex } from './shardReads.js';

/** A GetShardIterator the service answered: where it pointed (the LATEST rule of the checker needs it). */
export interface IteratorServed {
  t: number;
  o: number;
  worker: string;
  shardId: string;
  type: string;
  /** Index of the first record the iterator returns. */
  index: number;
}

const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
/** GetRecords calls per shard per second before the service throttles (AWS: 5). */
const GET_RECORDS_PER_SHARD_PER_SECOND = 5;
const LIST_SHARDS_TOKEN_LIFETIME_MS = 300_000;
/** A second SubscribeToShard of the same consumer and shard this soon after the first is refused (AWS: 5 s). */
const RESUBSCRIBE_GUARD_MS = 5_000;

const KNOWN_LIST_SHARDS_FIELDS = new Set(['StreamName', 'StreamARN', 'NextToken', 'MaxResults', 'ShardFilter']);
const KNOWN_ITERATOR_FIELDS = new Set([
  'StreamName',
  'StreamARN',
  'ShardId',
  'ShardIteratorType',
  'StartingSequenceNumber',
  'Timestamp',
]);

/**
 * The Kinesis data-plane calls the consumer makes (ListShards, GetShardIterator, GetRecords) and the stream
 * descriptions, over a `SimStream`, with AWS's semantics and errors: iterators expire after 5 minutes, a closed
 * shard read to its end answers `NextShardIterator: null` with its `ChildShards`, and more than 5 GetRecords per
 * second on one shard are throttled. Anything else is a `HarnessError`, never a silent guess.
 */
export class FakeKinesis implements SimService {
  readonly name = 'kinesis' as const;
  readonly stream: SimStream;
  readonly iterators = new ShardIterators();
  readonly served: IteratorServed[] = [];
  /** The one enhanced fan-out consumer registered on the stream (workers are given its ARN). */
  readonly consumerArn: string;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #world: World;
  readonly #recentReads = new Map<string, number[]>();

  constructor(stream: SimStream, world: World) {
    this.stream = stream;
    this.#world = world;
    this.consumerArn = `${stream.arn}/consumer/sim-app:1`;
  }

  operationOf(command: object): string {
    if (command instanceof GetRecordsCommand) return 'GetRecords';
    if (command instanceof GetShardIteratorCommand) return 'GetShardIterator';
    if (command instanceof ListShardsCommand) return 'ListShards';
    if (command instanceof DescribeStreamSummaryCommand) return 'DescribeStreamSummary';
    if (command instanceof DescribeStreamCommand) return 'DescribeStream';
    if (command instanceof SubscribeToShardCommand) return 'SubscribeToShard';
    throw new HarnessError(`FakeKinesis: unsupported command ${command.constructor.name}`);
  }

  handle(command: object, call: CallContext): unknown {
    if (command instanceof GetRecordsCommand) return this.#getRecords(command.input);
    if (command instanceof GetShardIteratorCommand) return this.#getShardIterator(command.input, call.caller);
    if (command instanceof ListShardsCommand) return this.#listShards(command.input);
    if (command instanceof DescribeStreamSummaryCommand) return this.#describeSummary(command.input);
    if (command instanceof DescribeStreamCommand) return this.#describe(command.input);
    if (command instanceof SubscribeToShardCommand) return this.#subscribe(command.input, call);
    throw new HarnessError(`FakeKinesis: unsupported command ${command.constructor.name}`);
  }

  throttlingError(op: string): Error {
    if (op === 'SubscribeToShard') return kinesisErrors.limitExceeded(`${op}: rate exceeded (simulated)`);
    return kinesisErrors.throttled(`${op}: rate exceeded (simulated)`);
  }

  ambiguousError(op: string, serverError: boolean): Error {
    return serverError ? kinesisErrors.internalFailure(`${op}: internal failure (simulated)`) : timeoutError(op);
  }

  #now(): number {
    return this.#world.now;
  }

  #checkStream(input: { StreamName?: string | undefined; StreamARN?: string | undefined }): void {
    const { StreamName, StreamARN } = input;
    if (StreamName === undefined && StreamARN === undefined)
      throw kinesisErrors.invalidArgument('Either StreamName or StreamARN must be provided');
    if (
      (StreamName !== undefined && StreamName !== this.stream.name) ||
      (StreamARN !== undefined && StreamARN !== this.stream.arn)
    )
      throw kinesisErrors.notFound(`Stream ${StreamName ?? StreamARN} not found`);
  }

  #listShards(input: ListShardsCommandInput): ListShardsCommandOutput {
    for (const field of Object.keys(input))
      if (!KNOWN_LIST_SHARDS_FIELDS.has(field) && input[field as keyof ListShardsCommandInput] !== undefined)
        throw new HarnessError(`FakeKinesis: ListShards field ${field} is not modelled`);
    let offset = 0;
    let shards: SimShard[];
    if (input.NextToken !== undefined) {
      if (input.StreamName !== undefined || input.StreamARN !== undefined || input.ShardFilter !== undefined)
        throw kinesisErrors.invalidArgument('NextToken cannot be combined with StreamName, StreamARN or ShardFilter');
      const [from, issuedAt] = input.NextToken.split(':').map(Number) as [number, number];
      if (this.#now() - issuedAt > LIST_SHARDS_TOKEN_LIFETIME_MS)
        throw kinesisErrors.expiredNextToken('NextToken expired');
      offset = from;
      shards = this.stream.shards;
    } else {
      this.#checkStream(input);
      shards = this.#filter(input.ShardFilter);
    }
    const max = input.MaxResults ?? 1000;
    const page = shards.slice(offset, offset + max);
    const more = offset + max < shards.length;
    return {
      $metadata: {},
      Shards: page.map(toSdkShard),
      ...(more ? { NextToken: `${offset + max}:${this.#now()}` } : {}),
    };
  }

  #filter(filter: ListShardsCommandInput['ShardFilter']): SimShard[] {
    if (filter === undefined) return this.stream.shards;
    switch (filter.Type) {
      case 'AT_LATEST':
        return this.stream.openShards();
      case 'AT_TRIM_HORIZON':
      case 'FROM_TRIM_HORIZON':
        return this.stream.shards; // no retention: every shard is still within the trim horizon
      case 'AFTER_SHARD_ID': {
        const index = this.stream.shards.findIndex((s) => s.id === filter.ShardId);
        return this.stream.shards.slice(index + 1);
      }
      default:
        throw new HarnessError(`FakeKinesis: ListShards ShardFilter ${filter.Type} is not modelled`);
    }
  }

  #getShardIterator(input: GetShardIteratorCommandInput, caller: string): GetShardIteratorCommandOutput {
    for (const field of Object.keys(input))
      if (!KNOWN_ITERATOR_FIELDS.has(field) && input[field as keyof GetShardIteratorCommandInput] !== undefined)
        throw new HarnessError(`FakeKinesis: GetShardIterator field ${field} is not modelled`);
    this.#checkStream(input);
    const shard = input.ShardId === undefined ? undefined : this.stream.shard(input.ShardId);
    if (shard === undefined) throw kinesisErrors.notFound(`Shard ${input.ShardId} not found`);
    const index = startIndex(this.stream, shard, {
      type: input.ShardIteratorType,
      sequenceNumber: input.StartingSequenceNumber,
      timestamp: input.Timestamp,
    });
    this.served.push({
      t: this.#now(),
      o: this.#world.nextOrder(),
      worker: caller,
      shardId: shard.id,
      type: String(input.ShardIteratorType),
      index,
    });
    return { $metadata: {}, ShardIterator: this.iterators.issue(shard.id, index, this.#now()) };
  }

  #getRecords(input: GetRecordsCommandInput): GetRecordsCommandOutput {
    const now = this.#now();
    const token = input.ShardIterator;
    if (token === undefined) throw kinesisErrors.invalidArgument('ShardIterator is required');
    const limit = input.Limit ?? 10_000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw kinesisErrors.invalidArgument(`Limit ${limit} must be from 1 to 10000`);
    const position = this.iterators.resolve(token, now);
    if (position === undefined) throw kinesisErrors.invalidArgument(`Invalid ShardIterator ${token}`);
    if (position === 'expired')
      throw kinesisErrors.expiredIterator(
        `Iterator expired (issued more than ${ITERATOR_LIFETIME_MS} ms ago, or expired by a fault)`,
      );
    const shard = this.stream.shard(position.shardId)!;
    if (input.StreamARN !== undefined && input.StreamARN !== this.stream.arn)
      throw kinesisErrors.notFound(`Stream ${input.StreamARN} not found`);
    this.#throttleReads(shard.id, now);
    const records = shard.records;
    let end = position.index;
    let bytes = 0;
    while (end < records.length && end - position.index < limit) {
      const size = records[end]!.data.byteLength;
      if (bytes + size > MAX_GET_RECORDS_BYTES && end > position.index) break;
      bytes += size;
      end++;
    }
    const returned = sdkRecords(shard, position.index, end);
    const caughtUp = end >= records.length;
    const ended = caughtUp && shard.endingSeq !== undefined;
    const millisBehindLatest = millisBehind(shard, end, now);
    return {
      $metadata: {},
      Records: returned,
      MillisBehindLatest: millisBehindLatest,
      NextShardIterator: ended ? undefined : this.iterators.issue(shard.id, end, now),
      ...(ended ? { ChildShards: childShardsOf(this.stream, shard) } : {}),
    };
  }

  /**
   * Enhanced fan-out: an event stream from the starting position. A new subscription to the same shard within 5 s
   * of the last one is refused (ResourceInUseException); later, it takes the shard over and the old stream fails.
   */
  #subscribe(input: SubscribeToShardCommandInput, call: CallContext): SubscribeToShardCommandOutput {
    if (input.DryRun !== undefined || input.StreamId !== undefined)
      throw new HarnessError('FakeKinesis: SubscribeToShard DryRun/StreamId are not modelled');
    if (input.ConsumerARN !== this.consumerArn) throw kinesisErrors.notFound(`Consumer ${input.ConsumerARN} not found`);
    const shard = input.ShardId === undefined ? undefined : this.stream.shard(input.ShardId);
    if (shard === undefined) throw kinesisErrors.notFound(`Shard ${input.ShardId} not found`);
    const now = this.#now();
    const previous = this.#subscriptions.get(shard.id);
    if (previous?.open === true && now - previous.startedAt < RESUBSCRIBE_GUARD_MS)
      throw kinesisErrors.resourceInUse(`Another subscription to ${shard.id} is still active`);
    previous?.takenOver();
    const start = input.StartingPosition;
    const index = startIndex(this.stream, shard, {
      type: start?.Type,
      sequenceNumber: start?.SequenceNumber,
      timestamp: start?.Timestamp,
    });
    this.served.push({
      t: now,
      o: this.#world.nextOrder(),
      worker: call.caller,
      shardId: shard.id,
      type: String(start?.Type),
      index,
    });
    const subscription = new Subscription({
      world: this.#world,
      stream: this.stream,
      shard,
      index,
      actor: call.actor,
      signal: call.signal,
    });
    this.#subscriptions.set(shard.id, subscription);
    return { $metadata: {}, EventStream: subscription };
  }

  #throttleReads(shardId: string, now: number): void {
    let recent = this.#recentReads.get(shardId);
    if (recent === undefined) {
      recent = [];
      this.#recentReads.set(shardId, recent);
    }
    while (recent.length > 0 && recent[0]! <= now - 1_000) recent.shift();
    if (recent.length >= GET_RECORDS_PER_SHARD_PER_SECOND)
      throw kinesisErrors.throttled(`Rate exceeded for shard ${shardId} (5 GetRecords per second)`);
    recent.push(now);
  }

  #describeSummary(input: {
    StreamName?: string | undefined;
    StreamARN?: string | undefined;
  }): DescribeStreamSummaryCommandOutput {
    this.#checkStream(input);
    return {
      $metadata: {},
      StreamDescriptionSummary: {
        StreamName: this.stream.name,
        StreamARN: this.stream.arn,
        StreamStatus: 'ACTIVE',
        StreamCreationTimestamp: new Date(this.stream.createdAtMs),
        RetentionPeriodHours: 24,
        EnhancedMonitoring: [],
        OpenShardCount: this.stream.openShards().length,
      },
    };
  }

  #describe(input: { StreamName?: string | undefined; StreamARN?: string | undefined }): DescribeStreamCommandOutput {
    this.#checkStream(input);
    return {
      $metadata: {},
      StreamDescription: {
        StreamName: this.stream.name,
        StreamARN: this.stream.arn,
        StreamStatus: 'ACTIVE',
        StreamCreationTimestamp: new Date(this.stream.createdAtMs),
        RetentionPeriodHours: 24,
        EnhancedMonitoring: [],
        Shards: this.stream.shards.map(toSdkShard),
        HasMoreShards: false,
      },
    };
  }
}

function toSdkShard(shard: SimShard): Shard {
  return {
    ShardId: shard.id,
    ...(shard.parentShardId === undefined ? {} : { ParentShardId: shard.parentShardId }),
    ...(shard.adjacentParentShardId === undefined ? {} : { AdjacentParentShardId: shard.adjacentParentShardId }),
    HashKeyRange: { StartingHashKey: shard.startingHashKey.toString(), EndingHashKey: shard.endingHashKey.toString() },
    SequenceNumberRange: {
      StartingSequenceNumber: shard.startingSeq,
      ...(shard.endingSeq === undefined ? {} : { EndingSequenceNumber: shard.endingSeq }),
    },
  };
}
