// With OpenTelemetry: your SDK's MeterProvider and TracerProvider (here the SDK's own packages with console exporters;
// in production the OTLP exporters or the NodeSDK), kinesis-kit's metrics as OTel instruments (the KCL 3.5 names),
// spans per PutRecords and per processed batch, and the trace context carried from producer to consumer in the
// records themselves.

import { KinesisConsumer } from '@kinesis-kit/consumer';
import { openTelemetryMetricsSink, openTelemetryTracing, withTraceContext } from '@kinesis-kit/opentelemetry';
import { KinesisProducer } from '@kinesis-kit/producer';
import { context, metrics, trace } from '@opentelemetry/api';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';

export function setUpOpenTelemetry(): void {
  metrics.setGlobalMeterProvider(
    new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })] }),
  );
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new ConsoleSpanExporter())] }),
  );
}

export async function produceAndConsume(): Promise<void> {
  const otel = { metrics: { sinks: [openTelemetryMetricsSink()] }, tracing: openTelemetryTracing() };
  const producer = new KinesisProducer({ streamName: 'orders', ...otel });
  await trace.getTracer('shop').startActiveSpan('checkout', async (span) => {
    // The record carries the checkout span's context: the consumer's process span links to it.
    await producer.put(withTraceContext({ partitionKey: 'order-1', data: '{"orderId":"order-1"}' }, context.active()));
    span.end();
  });
  await producer.close();

  const consumer = new KinesisConsumer({
    streamName: 'orders',
    applicationName: 'orders-billing',
    ...otel, // the envelope is removed before your handler sees the records
    eachRecord: async (record) => {
      // Runs inside the batch's `process orders` span: spans started here are its children.
      trace.getTracer('billing').startSpan('bill').end();
      JSON.parse(Buffer.from(record.data).toString('utf8'));
    },
  });
  await consumer.start();
}
