// A consumer worker: KCL-style processor with explicit checkpoints, instrumentation, and a graceful stop on
// SIGTERM/SIGINT (finish the batch, checkpoint, hand the shards to the other workers).
import {
  InvalidCheckpointError,
  KinesisConsumer,
  LeaseLostError,
  type RecordProcessor,
  type RecordProcessorFactory,
} from '@kinesis-kit/consumer';

/** One instance per shard lease; never called concurrently. */
function orderProcessor(): RecordProcessor {
  let shard = '';
  let sinceCheckpoint = 0;
  return {
    initialize({ shardId, startingPosition }) {
      shard = shardId;
      console.log(`${shardId}: starting after ${startingPosition.sequenceNumber}`);
    },
    async processRecords({ records, checkpointer, millisBehindLatest }) {
      for (const record of records) {
        const order = JSON.parse(Buffer.from(record.data).toString('utf8')) as { orderId: number };
        await handleOrder(order); // throwing here retries this batch with backoff (onProcessorError: 'retry')
      }
      sinceCheckpoint += records.length;
      // Checkpoint every 1,000 records, or at once when caught up.
      if (sinceCheckpoint >= 1_000 || millisBehindLatest === 0) {
        try {
          await checkpointer.checkpoint(); // = the last record of this batch
          sinceCheckpoint = 0;
        } catch (error) {
          if (error instanceof LeaseLostError) return; // another worker owns the shard now; leaseLost() follows
          if (error instanceof InvalidCheckpointError) throw error; // a bug: never checkpoint past what was delivered
          console.warn(`${shard}: checkpoint failed, the next one covers it`, error);
        }
      }
    },
    leaseLost() {
      console.log(`${shard}: lease lost; no more records from it here`);
    },
    async shardEnded({ checkpointer }) {
      await checkpointer.checkpoint(); // SHARD_END: lets the child shards start
    },
    async shutdownRequested({ checkpointer }) {
      await checkpointer.checkpoint(); // stop(): save progress before the lease is handed over
    },
  };
}

async function handleOrder(order: { orderId: number }): Promise<void> {
  if (order.orderId < 0) throw new Error('invalid order');
}

export async function main(streamName: string): Promise<KinesisConsumer> {
  const processor: RecordProcessorFactory = orderProcessor;
  const consumer = new KinesisConsumer({
    streamName,
    applicationName: 'orders-consumer', // the lease table: workers with the same name share the shards
    processor,
    initialPosition: 'TRIM_HORIZON',
  });
  consumer.on('consumer.lease_gained', ({ shardId }) => console.log(`gained ${shardId}`));
  consumer.on('consumer.processor_error', ({ shardId, error, attempt, retryInMs }) =>
    console.warn(`${shardId}: processor failed (attempt ${attempt}), retrying in ${retryInMs} ms`, error),
  );

  // Graceful shutdown: stop() resolves once every shard checkpointed and its lease was released.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    consumer.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await consumer.start();
  // Every 10 s: records/s and lag per shard.
  setInterval(() => {
    const { recordsPerSecond, shards } = consumer.metrics();
    console.log(`${recordsPerSecond.toFixed(0)} records/s`, shards);
  }, 10_000).unref();
  return consumer;
}

/** The simple form: a handler, with an automatic checkpoint after each successful batch. */
export function simpleConsumer(streamName: string): KinesisConsumer {
  return new KinesisConsumer({
    streamName,
    applicationName: 'orders-audit',
    eachRecord: async (record) => {
      await handleOrder(JSON.parse(Buffer.from(record.data).toString('utf8')) as { orderId: number });
    },
    autoCheckpoint: { everyRecords: 500, everyMs: 5_000 },
  });
}
