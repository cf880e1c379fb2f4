// A Lambda function behind a Kinesis event source mapping with `FunctionResponseTypes: ["ReportBatchItemFailures"]`.
// KPL-aggregated records are deaggregated; each user record is handled in sequence order; on a failure the rest of
// the shard's batch is left for Lambda's retry, which starts at the failed record's Kinesis record.
import { type KinesisUserRecord, kinesisBatchHandler, kinesisHandler } from '@kinesis-kit/lambda';
import type { KinesisStreamHandler } from 'aws-lambda';

interface OrderPlaced {
  orderId: string;
  amount: number;
}

async function saveOrder(order: OrderPlaced): Promise<void> {
  // Your side effect here. Make it idempotent: a retried batch can deliver a record again (see docs/lambda.md).
  if (!order.orderId) throw new Error('order without id');
}

function parse(record: KinesisUserRecord): OrderPlaced {
  // `data` is a view into the event's bytes: decode it, don't keep it.
  return JSON.parse(Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('utf8'));
}

// One user record at a time; up to 8 partition keys in parallel (each key still strictly in order).
export const handler: KinesisStreamHandler = kinesisHandler(
  async (record, { shardId }) => {
    const order = parse(record);
    await saveOrder(order);
    console.debug('saved', order.orderId, 'from', shardId, record.sequenceNumber, record.subSequenceNumber);
  },
  { concurrency: 8, remainingTimeMarginMs: 2_000 },
);

// The per-batch flavour: one call with every user record of the batch; say where it stopped.
export const batchHandler: KinesisStreamHandler = kinesisBatchHandler(async (records) => {
  for (let i = 0; i < records.length; i++) {
    try {
      await saveOrder(parse(records[i]!));
    } catch {
      return { firstFailedIndex: i };
    }
  }
  return undefined;
});
