// Moving a consumer group from lifion-kinesis to kinesis-kit. lifion's DynamoDB state table is its own format, so
// its checkpoints cannot be carried over: start from a timestamp instead. Stop every lifion consumer, note when,
// and start kinesis-kit a little before that moment; the handler must be idempotent for the overlap.
import { KinesisConsumer } from '@kinesis-kit/consumer';

export function startAfterLifion(lifionStoppedAt: Date, handle: (data: Uint8Array) => Promise<void>): KinesisConsumer {
  const overlapMs = 60_000; // lifion checkpoints lag behind what it processed; re-read that margin
  const consumer = new KinesisConsumer({
    streamName: 'orders',
    applicationName: 'orders-billing', // a NEW lease table; lifion's consumerGroup table is left alone
    // Only shards without a checkpoint use this: the first run. Later runs resume from their checkpoints.
    initialPosition: { timestamp: new Date(lifionStoppedAt.getTime() - overlapMs) },
    // lifion's `data` event gave { records }; eachBatch is the closest shape (checkpointed after each batch).
    eachBatch: async ({ records }) => {
      for (const record of records) await handle(record.data);
    },
  });
  return consumer;
}
