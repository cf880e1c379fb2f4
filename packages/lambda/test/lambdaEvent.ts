// Builds real Lambda Kinesis events from what is actually in a kinesis-local stream: GetRecords from TRIM_HORIZON,
// converted to the documented event shape (base64 data, approximateArrivalTimestamp in epoch seconds, eventID
// `shardId-…:<seq>`, eventSourceARN, …), as an event source mapping delivers them.
import {
  type _Record,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { deaggregate } from '@kinesis-kit/aggregation';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** Every Kinesis record of every shard, as Lambda event records, shard by shard, in sequence order. */
export async function readStreamAsEventRecords(
  client: KinesisClient,
  streamName: string,
): Promise<KinesisStreamRecord[]> {
  const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const streamArn = StreamDescriptionSummary?.StreamARN as string;
  const { Shards } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  const out: KinesisStreamRecord[] = [];
  for (const shard of Shards ?? []) {
    const shardId = shard.ShardId as string;
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator !== undefined && iterator !== null) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) out.push(toEventRecord(record, shardId, streamArn));
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** One GetRecords record → one Lambda Kinesis event record (the documented shape). */
export function toEventRecord(record: _Record, shardId: string, streamArn: string): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber as string;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey as string,
      sequenceNumber,
      data: Buffer.from(record.Data as Uint8Array).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp as Date).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/lambda-kinesis-role',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
  };
}

/** An event of the given records (one invocation). */
export function eventOf(records: readonly KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: [...records] };
}

/** A user record as the tests identify it: where it sits and what it carries. */
export interface ExpectedUserRecord {
  /** Index of its Kinesis record in the event. */
  parent: number;
  sequenceNumber: string;
  subSequenceNumber: number;
  partitionKey: string;
  data: string;
  aggregated: boolean;
}

/** The user records of `records` in order, deaggregated independently of the package under test's path. */
export function expectedUserRecords(records: readonly KinesisStreamRecord[]): ExpectedUserRecord[] {
  const out: ExpectedUserRecord[] = [];
  records.forEach((record, parent) => {
    const raw = Buffer.from(record.kinesis.data, 'base64');
    for (const user of deaggregate({
      Data: raw,
      PartitionKey: record.kinesis.partitionKey,
      SequenceNumber: record.kinesis.sequenceNumber,
    }).records) {
      out.push({
        parent,
        sequenceNumber: user.sequenceNumber,
        subSequenceNumber: user.subSequenceNumber,
        partitionKey: user.partitionKey,
        data: Buffer.from(user.data).toString('utf8'),
        aggregated: user.aggregated,
      });
    }
  });
  return out;
}

/** A fake Lambda context whose remaining time is scripted. */
export function fakeContext(remainingMs: () => number) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '128',
    awsRequestId: 'req-1',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
