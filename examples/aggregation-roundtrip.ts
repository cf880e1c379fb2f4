// Pack user records into KPL aggregates, then unpack them as a consumer would.
// Run: node_modules/.bin/tsx examples/aggregation-roundtrip.ts
import {
  type AggregatedKinesisRecord,
  deaggregateAll,
  parseHashKeyRange,
  RecordAggregator,
  type UserRecord,
} from '@kinesis-kit/aggregation';

const aggregator = new RecordAggregator(); // KPL defaults: 51,200-byte aggregates, 1 MiB record limit
const toPut: AggregatedKinesisRecord[] = [];

function add(record: UserRecord): void {
  if (!aggregator.wouldFit(record)) {
    if (aggregator.count === 0) throw new Error('record can never fit a Kinesis record');
    toPut.push(aggregator.build()); // seal the full aggregate, start a new one
  }
  aggregator.add(record);
}

for (let i = 0; i < 1000; i++) {
  add({ partitionKey: `device-${i % 10}`, data: new TextEncoder().encode(JSON.stringify({ i })) });
}
if (aggregator.count > 0) toPut.push(aggregator.build());
// Each entry is ready for PutRecords: { Data: r.data, PartitionKey: r.partitionKey, ExplicitHashKey: r.explicitHashKey }

// Consumer side: GetRecords returns SDK records; a Lambda event's Records work the same way.
const fetched = toPut.map((r, n) => ({ Data: r.data, PartitionKey: r.partitionKey, SequenceNumber: `${n}` }));
const shardRange = parseHashKeyRange({
  StartingHashKey: '0',
  EndingHashKey: '340282366920938463463374607431768211455',
});
const { records, discardedByHashKeyRange, formatErrors } = deaggregateAll(fetched, { hashKeyRange: shardRange });
console.log(`${toPut.length} Kinesis records → ${records.length} user records`, {
  discardedByHashKeyRange,
  formatErrors,
});
