import { UnexpectedEventError } from './errors.js';
import type { KinesisEvent, KinesisEventRecord } from './types.js';

/** The records of one shard in an event, in event (= sequence) order. */
export interface ShardBatch {
  eventSourceARN: string;
  shardId: string;
  records: KinesisEventRecord[];
}

/**
 * Splits an event into per-shard batches. An event source mapping always sends one shard's records per invocation,
 * so the common case is checked first and costs no allocation per record; hand-built events mixing shards or
 * streams are grouped (each keeps its order).
 */
export function shardBatches(event: KinesisEvent): ShardBatch[] {
  const records = checkEvent(event);
  if (records.length === 0) return [];
  const first = records[0]!;
  const arn = first.eventSourceARN ?? '';
  const shardId = shardIdOf(first);
  const prefix = `${shardId}:`;
  let single = true;
  for (let i = 1; i < records.length; i++) {
    const record = records[i]!;
    if ((record.eventSourceARN ?? '') !== arn || !startsWithShard(record, prefix, shardId)) {
      single = false;
      break;
    }
  }
  if (single) return [{ eventSourceARN: arn, shardId, records }];
  const byShard = new Map<string, ShardBatch>();
  for (const record of records) {
    const recordArn = record.eventSourceARN ?? '';
    const recordShard = shardIdOf(record);
    const key = `${recordArn}\n${recordShard}`;
    let batch = byShard.get(key);
    if (batch === undefined) {
      batch = { eventSourceARN: recordArn, shardId: recordShard, records: [] };
      byShard.set(key, batch);
    }
    batch.records.push(record);
  }
  return [...byShard.values()];
}

/** The shard id from `eventID` (`shardId-000000000000:<sequence number>`); '' when absent. */
export function shardIdOf(record: KinesisEventRecord): string {
  const id = record.eventID;
  if (typeof id !== 'string') return '';
  const colon = id.lastIndexOf(':');
  return colon < 0 ? id : id.slice(0, colon);
}

function startsWithShard(record: KinesisEventRecord, prefix: string, shardId: string): boolean {
  const id = record.eventID;
  if (typeof id !== 'string') return shardId === '';
  return id.startsWith(prefix) && id.indexOf(':', prefix.length) < 0;
}

function checkEvent(event: KinesisEvent): KinesisEventRecord[] {
  const records = (event as { Records?: unknown } | null | undefined)?.Records;
  if (!Array.isArray(records)) {
    throw new UnexpectedEventError('Expected a Lambda Kinesis event (an object with a `Records` array)');
  }
  for (let i = 0; i < records.length; i++) {
    const kinesis = (records[i] as { kinesis?: { data?: unknown; sequenceNumber?: unknown } } | null)?.kinesis;
    if (kinesis === null || typeof kinesis !== 'object' || typeof kinesis.sequenceNumber !== 'string') {
      throw new UnexpectedEventError(
        `Expected Records[${i}] to be a Kinesis event record (with \`kinesis.sequenceNumber\`); is the event from a Kinesis event source mapping?`,
      );
    }
  }
  return records as KinesisEventRecord[];
}
