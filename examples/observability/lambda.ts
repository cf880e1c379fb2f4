// In Lambda: metrics as EMF lines on stdout (Lambda turns them into CloudWatch metrics, no API call, no agent), and a
// span per shard batch linked to the producers' spans. The handler enriches each order and forwards it with its own
// trace context; withFlushingProducer flushes the records and then the metrics before the environment freezes.
import { emfSink } from '@kinesis-kit/commons';
import { kinesisHandler, withFlushingProducer } from '@kinesis-kit/lambda';
import { openTelemetryTracing, withTraceContext } from '@kinesis-kit/opentelemetry';
import { KinesisProducer } from '@kinesis-kit/producer';

const producer = new KinesisProducer({
  streamName: process.env.OUTPUT_STREAM ?? 'enriched-orders',
  metrics: { sinks: [emfSink()], namespace: 'orders-enricher' }, // KPL names, SUMMARY level, per shard
});

export const handler = withFlushingProducer(
  producer,
  kinesisHandler(
    async (record) => {
      const order = JSON.parse(Buffer.from(record.data).toString('utf8')) as { orderId: string };
      // Inside the batch's span: the forwarded record carries this context to the next consumer.
      await producer.put(
        withTraceContext({ partitionKey: order.orderId, data: JSON.stringify({ ...order, ok: true }) }),
      );
    },
    { tracing: openTelemetryTracing() }, // the global TracerProvider: e.g. the ADOT Lambda layer's
  ),
);
