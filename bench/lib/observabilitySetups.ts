// The metrics and tracing configurations bench/observability.bench.ts compares, each built fresh in its own process:
// sinks that do their real work (EMF serializing lines, CloudWatch merging statistic sets and calling a client that
// answers in-process, OpenTelemetry recording into a real SDK MeterProvider / TracerProvider) with the I/O removed.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { cloudWatchSink } from '@kinesis-kit/cloudwatch';
import { emfSink, type MetricsOptions } from '@kinesis-kit/commons';
import { openTelemetryMetricsSink, openTelemetryTracing } from '@kinesis-kit/opentelemetry';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export const SETUPS = [
  'off',
  'emf-summary',
  'emf-detailed',
  'cloudwatch-detailed',
  'otel-detailed',
  'tracing',
] as const;
export type Setup = (typeof SETUPS)[number];

/** Metrics published every second during a run (the default is 60 s): many intervals are in the measurement. */
const INTERVAL_MS = 1_000;

/** A CloudWatch client whose PutMetricData is answered in-process (the sink's work, without the network). */
function sinkCloudWatchClient(): CloudWatchClient {
  const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  client.middlewareStack.add(() => async () => ({ output: { $metadata: {} }, response: {} }), {
    step: 'initialize',
    name: 'sink',
    priority: 'high',
  });
  return client;
}

const discard = { write: () => true };

/** The `metrics` and `tracing` options of a setup. */
export function observabilityOptions(setup: Setup): {
  metrics?: MetricsOptions;
  tracing?: ReturnType<typeof openTelemetryTracing>;
} {
  switch (setup) {
    case 'off':
      return {};
    case 'emf-summary':
      return {
        metrics: {
          sinks: [emfSink({ destination: discard })],
          level: 'SUMMARY',
          granularity: 'SHARD',
          intervalMs: INTERVAL_MS,
        },
      };
    case 'emf-detailed':
      return {
        metrics: {
          sinks: [emfSink({ destination: discard })],
          level: 'DETAILED',
          granularity: 'SHARD',
          intervalMs: INTERVAL_MS,
        },
      };
    case 'cloudwatch-detailed':
      return {
        metrics: {
          sinks: [cloudWatchSink({ client: sinkCloudWatchClient(), uploadIntervalMs: INTERVAL_MS })],
          level: 'DETAILED',
          granularity: 'SHARD',
          intervalMs: INTERVAL_MS,
        },
      };
    case 'otel-detailed': {
      const reader = new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
        exportIntervalMillis: INTERVAL_MS,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      return {
        metrics: {
          sinks: [openTelemetryMetricsSink({ meterProvider })],
          level: 'DETAILED',
          granularity: 'SHARD',
          intervalMs: INTERVAL_MS,
        },
      };
    }
    case 'tracing': {
      const exporter = new InMemorySpanExporter();
      const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      // Keep memory flat: drop finished spans as they come.
      setInterval(() => exporter.reset(), 200).unref();
      return { tracing: openTelemetryTracing({ tracerProvider }) };
    }
  }
}
