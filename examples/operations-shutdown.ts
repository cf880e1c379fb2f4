// Running on ECS, EKS or EC2: on SIGTERM, stop consuming (finish the batch, checkpoint, release the leases) and
// flush the producer, all within the platform's grace period, then exit. Export metrics on a timer.
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { KinesisProducer } from '@kinesis-kit/producer';

/** Keep this below the platform's grace period: ECS `stopTimeout` / Kubernetes `terminationGracePeriodSeconds`. */
const SHUTDOWN_BUDGET_MS = 25_000;

export async function run(emit: (name: string, value: number, shardId?: string) => void): Promise<void> {
  const producer = new KinesisProducer({ streamName: 'enriched-orders' });
  const consumer = new KinesisConsumer({
    streamName: 'orders',
    applicationName: 'orders-enricher',
    failoverTimeMs: 10_000, // a crashed worker's shards move after this long (plus one taking cycle)
    autoCheckpoint: { everyMs: 5_000 }, // one lease-table write per shard per 5 s instead of one per batch
    eachBatch: async ({ records }) => {
      // Wait for the puts: a batch is checkpointed only after its results are stored downstream.
      await Promise.all(records.map((r) => producer.put({ partitionKey: r.partitionKey, data: r.data })));
    },
  });

  // What to export (CloudWatch, Prometheus, …): lag per shard, throughput, retries, failures.
  consumer.on('consumer.lag', ({ shardId, millisBehindLatest }) => {
    if (millisBehindLatest !== undefined) emit('consumer.millis_behind_latest', millisBehindLatest, shardId);
  });
  consumer.on('consumer.lease_lost', ({ shardId }) => emit('consumer.lease_lost', 1, shardId));
  consumer.on('consumer.processor_error', ({ shardId }) => emit('consumer.processor_errors', 1, shardId));
  producer.on('producer.throttled', ({ shardId }) => emit('producer.throttled', 1, shardId));
  producer.on('producer.record_expired', ({ userRecordCount }) => emit('producer.expired', userRecordCount));
  const metrics = setInterval(() => {
    emit('consumer.records_per_second', consumer.metrics().recordsPerSecond);
    const p = producer.metrics();
    emit('producer.user_records_put', p.UserRecordsPut);
    emit('producer.user_records_pending', p.UserRecordsPending);
    emit('producer.errors', p.AllErrors);
  }, 60_000);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(metrics);
    const deadline = AbortSignal.timeout(SHUTDOWN_BUDGET_MS);
    await consumer.stop(); // in-flight batch finishes, checkpoint, leases released: others take over at once
    await producer.close({ signal: deadline }); // flush; at the deadline, records not stored are rejected
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await consumer.start();
}
