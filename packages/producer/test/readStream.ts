import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { deaggregate } from '@kinesis-kit/aggregation';

/** A user record read back from the stream. */
export interface ReadRecord {
  shardId: string;
  partitionKey: string;
  data: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  aggregated: boolean;
}

/** Every shard of the stream, open and closed. */
export async function listAllShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListShardsCommand(token === undefined ? { StreamName: streamName } : { NextToken: token }),
    );
    shards.push(...(out.Shards ?? []));
    token = out.NextToken;
  } while (token !== undefined);
  return shards;
}

/**
 * Reads every shard from TRIM_HORIZON to its end and deaggregates (without a hash-range filter, so misrouted user
 * records show up as they are). Shards in stream order, records in sequence order within a shard.
 */
export async function readStream(client: KinesisClient, streamName: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for (const shard of await listAllShards(client, streamName)) {
    const shardId = shard.ShardId as string;
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator !== undefined && iterator !== null) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        for (const user of deaggregate(record).records) {
          out.push({
            shardId,
            partitionKey: user.partitionKey,
            data: Buffer.from(user.data).toString('utf8'),
            sequenceNumber: user.sequenceNumber,
            subSequenceNumber: user.subSequenceNumber,
            aggregated: user.aggregated,
          });
        }
      }
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
