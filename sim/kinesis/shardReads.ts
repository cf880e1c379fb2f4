import type { _Record, ChildShard } from '@aws-sdk/client-kinesis';
import { SIM_EPOCH_MS } from '../world/World.js';
import { kinesisErrors } from './kinesisErrors.js';
import { compareSeq, type SimShard, SimStream } from './SimStream.js';

/** Where a read starts, as GetShardIterator and SubscribeToShard's StartingPosition name it. */
export interface ReadStart {
  type: string | undefined;
  sequenceNumber: string | undefined;
  timestamp: Date | number | undefined;
}

/** The index of the first record a read from `start` returns (AWS semantics; invalid positions are refused). */
export function startIndex(stream: SimStream, shard: SimShard, start: ReadStart): number {
  const records = shard.records;
  switch (start.type) {
    case 'TRIM_HORIZON':
      return 0;
    case 'LATEST':
      return records.length;
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER': {
      const seq = start.sequenceNumber;
      if (seq === undefined || !/^\d+$/.test(seq))
        throw kinesisErrors.invalidArgument(`StartingSequenceNumber ${seq} is not a sequence number`);
      if (SimStream.shardNumOf(seq) !== shard.num || compareSeq(seq, shard.startingSeq) < 0)
        throw kinesisErrors.invalidArgument(
          `StartingSequenceNumber ${seq} used on shard ${shard.id} in stream ${stream.name} is invalid because it did not come from this stream`,
        );
      const after = start.type === 'AFTER_SEQUENCE_NUMBER';
      const i = records.findIndex((r) => (after ? compareSeq(r.seq, seq) > 0 : compareSeq(r.seq, seq) >= 0));
      return i === -1 ? records.length : i;
    }
    case 'AT_TIMESTAMP': {
      const at = start.timestamp;
      if (at === undefined) throw kinesisErrors.invalidArgument('Timestamp is required for AT_TIMESTAMP');
      const ms = at instanceof Date ? at.getTime() : Number(at) * 1000;
      const i = records.findIndex((r) => SIM_EPOCH_MS + r.arrivedAt >= ms);
      return i === -1 ? records.length : i;
    }
    default:
      throw kinesisErrors.invalidArgument(`Starting position type ${start.type} is not valid`);
  }
}

/**
 * Records [from, end) as the SDK returns them, their data copied into one fresh buffer per answer (as the SDK
 * decodes one response body): the data of one batch are views into it, which lets the delivery log tell batches
 * apart even for `eachRecord` handlers.
 */
export function sdkRecords(shard: SimShard, from: number, end: number): _Record[] {
  const slice = shard.records.slice(from, end);
  const buffer = new Uint8Array(slice.reduce((n, r) => n + r.data.byteLength, 0));
  let offset = 0;
  return slice.map((r) => {
    buffer.set(r.data, offset);
    const data = buffer.subarray(offset, offset + r.data.byteLength);
    offset += r.data.byteLength;
    return {
      SequenceNumber: r.seq,
      ApproximateArrivalTimestamp: new Date(SIM_EPOCH_MS + r.arrivedAt),
      Data: data,
      PartitionKey: r.partitionKey,
      ...(r.explicitHashKey === undefined ? {} : { ExplicitHashKey: r.explicitHashKey }),
    };
  });
}

/** How far a reader at `index` is behind the tip: 0 when caught up. */
export function millisBehind(shard: SimShard, index: number, now: number): number {
  return index >= shard.records.length ? 0 : Math.max(0, Math.round(now - shard.records[index]!.arrivedAt));
}

/** The children of a shard, as a read at its end reports them. */
export function childShardsOf(stream: SimStream, shard: SimShard): ChildShard[] {
  return stream.shards
    .filter((s) => s.parentShardId === shard.id || s.adjacentParentShardId === shard.id)
    .map((child) => ({
      ShardId: child.id,
      ParentShards: [child.parentShardId, child.adjacentParentShardId].filter((p): p is string => p !== undefined),
      HashKeyRange: {
        StartingHashKey: child.startingHashKey.toString(),
        EndingHashKey: child.endingHashKey.toString(),
      },
    }));
}
