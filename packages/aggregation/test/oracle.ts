// The reference encoding: protobufjs' own encoder over the same message, keys de-duplicated in first-seen order
// (as the KPL and RecordAggregator do). RecordAggregator must match it byte for byte.
import { createHash } from 'node:crypto';
import type { UserRecord } from '../src/index.js';
import { AggregatedRecordType } from '../src/messages.js';

export function oracleBody(records: readonly UserRecord[]): Uint8Array {
  const partitionKeyTable: string[] = [];
  const explicitHashKeyTable: string[] = [];
  const pkIndex = new Map<string, number>();
  const ehkIndex = new Map<string, number>();
  const entries = records.map((record) => {
    let pk = pkIndex.get(record.partitionKey);
    if (pk === undefined) {
      pk = partitionKeyTable.push(record.partitionKey) - 1;
      pkIndex.set(record.partitionKey, pk);
    }
    const entry: Record<string, unknown> = { partitionKeyIndex: pk, data: record.data };
    if (record.explicitHashKey !== undefined) {
      let ehk = ehkIndex.get(record.explicitHashKey);
      if (ehk === undefined) {
        ehk = explicitHashKeyTable.push(record.explicitHashKey) - 1;
        ehkIndex.set(record.explicitHashKey, ehk);
      }
      entry.explicitHashKeyIndex = ehk;
    }
    if (record.tags !== undefined) {
      entry.tags = record.tags.map((tag) => (tag.value === undefined ? { key: tag.key } : { ...tag }));
    }
    return entry;
  });
  const message = AggregatedRecordType.fromObject({ partitionKeyTable, explicitHashKeyTable, records: entries });
  return AggregatedRecordType.encode(message).finish();
}

/** magic | body | MD5(body), built from protobufjs output. */
export function oracleAggregate(records: readonly UserRecord[]): Buffer {
  return frame(oracleBody(records));
}

/** Wraps any body in magic + MD5, as a valid-looking aggregate (for corrupt-input tests too). */
export function frame(body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, createHash('md5').update(body).digest()]);
}
