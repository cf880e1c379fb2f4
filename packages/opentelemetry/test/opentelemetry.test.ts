// With the real OpenTelemetry SDK (in-memory exporters): the instruments a real producer and a real consumer record,
// and a trace context carried from a producer's span to the consumer's and a Lambda handler's process spans.
import { silentLogger } from '@kinesis-kit/commons';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { kinesisHandler } from '@kinesis-kit/lambda';
import { KinesisProducer } from '@kinesis-kit/producer';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { context, type SpanContext, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamAsEventRecords } from '../../lambda/test/lambdaEvent.js';
import { openTelemetryMetricsSink, openTelemetryTracing, withTraceContext } from '../src/index.js';

let aws: LocalAws;
let streams = 0;
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
  context.disable();
});

async function newStream(shards: number): Promise<string> {
  const name = `otel-${process.pid}-${++streams}`;
  await aws.kinesis.createStream(name, shards);
  return name;
}

function meterSetup() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    /** Every data point by instrument name, after a forced export. */
    async points() {
      await meterProvider.forceFlush();
      const all: ResourceMetrics[] = exporter.getMetrics();
      const byName = new Map<
        string,
        { unit: string; type: DataPointType; points: { attributes: Record<string, unknown>; value: unknown }[] }
      >();
      for (const resource of all)
        for (const scope of resource.scopeMetrics)
          for (const metric of scope.metrics)
            byName.set(metric.descriptor.name, {
              unit: metric.descriptor.unit,
              type: metric.dataPointType,
              points: metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
            });
      return byName;
    },
  };
}

const sumOf = (points: { value: unknown }[]) => points.reduce((s, p) => s + (p.value as number), 0);

describe('openTelemetryMetricsSink with the real SDK', () => {
  it('a producer and a consumer record the KCL 3.5 instrument names, units and attributes', async () => {
    // Prepare
    const { meterProvider, points } = meterSetup();
    const sink = openTelemetryMetricsSink({ meterProvider });
    const streamName = await newStream(2);
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: aws.kinesis.createKinesisClient({ maxAttempts: 1 }),
      logger: silentLogger(),
      metrics: { sinks: [sink], level: 'DETAILED' },
    });
    let processed = 0;
    const consumer = new KinesisConsumer({
      streamName,
      applicationName: `otel-app-${process.pid}`,
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      keepProcessAlive: false,
      logger: silentLogger(),
      metrics: { sinks: [sink], level: 'DETAILED' },
      eachBatch: ({ records }) => {
        processed += records.length;
      },
    });

    // Act
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.put({ partitionKey: `k${i % 30}`, data: `r${i}` })),
    );
    await producer.close();
    await consumer.start();
    const deadline = Date.now() + 30_000;
    while ((processed < 300 || consumer.metrics().recordsProcessed < 300) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await consumer.stop();
    const metrics = await points();

    // Assess: producer (KPL names through the KCL's rules), finest copy only (no rollups to double count).
    const put = metrics.get('aws.kinesis.client.user_records_put');
    expect(put?.unit).toBe('1');
    expect(sumOf(put?.points ?? [])).toBe(300);
    for (const p of put?.points ?? []) {
      expect(p.attributes['aws.kinesis.stream_name']).toBe(streamName);
      expect(p.attributes['aws.kinesis.shard.id']).toMatch(/^shardId-/);
    }
    const buffering = metrics.get('aws.kinesis.client.buffering_time');
    expect(buffering?.unit).toBe('ms');
    expect(buffering?.type).toBe(DataPointType.HISTOGRAM);
    const sent = metrics.get('messaging.client.sent.messages');
    expect(sumOf(sent?.points ?? [])).toBe(300);
    expect(sent?.points[0]?.attributes).toMatchObject({
      'messaging.system': 'aws_kinesis',
      'messaging.destination.name': streamName,
      'messaging.operation.name': 'send',
    });
    expect(metrics.get('messaging.client.operation.duration')?.unit).toBe('s');

    // Assess: consumer (KCL names).
    const records = metrics.get('aws.kinesis.client.records_processed');
    expect(sumOf(records?.points ?? [])).toBe(300);
    expect(records?.points[0]?.attributes).toMatchObject({
      'aws.kinesis.operation': 'ProcessTask',
      'aws.kinesis.stream_name': streamName,
    });
    expect(records?.points.every((p) => typeof p.attributes['aws.kinesis.shard.id'] === 'string')).toBe(true);
    expect(metrics.get('aws.kinesis.client.consumer.lag.duration')?.unit).toBe('ms');
    expect(metrics.get('aws.kinesis.client.records.size')?.unit).toBe('By');
    expect(metrics.get('aws.kinesis.client.record_processor.process_records.duration')?.type).toBe(
      DataPointType.HISTOGRAM,
    );
    expect(metrics.get('aws.kinesis.client.workers')?.type).toBe(DataPointType.GAUGE);
    expect(metrics.get('aws.kinesis.client.current_leases')?.type).toBe(DataPointType.GAUGE);
    expect(put?.type).toBe(DataPointType.SUM);
    expect(sumOf(metrics.get('messaging.client.consumed.messages')?.points ?? [])).toBe(300);
    expect(metrics.get('messaging.process.duration')?.unit).toBe('s');
    await meterProvider.shutdown();
  });
});

describe('openTelemetryTracing with the real SDK', () => {
  function tracerSetup() {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    return { tracerProvider, spans: () => exporter.getFinishedSpans() };
  }

  it('a producer span is linked from the send spans, the consumer process spans and the Lambda handler span', async () => {
    // Prepare
    const { tracerProvider, spans } = tracerSetup();
    const tracing = openTelemetryTracing({ tracerProvider });
    const app = tracerProvider.getTracer('app');
    const streamName = await newStream(2);
    const producer = new KinesisProducer({
      streamName,
      kinesisClient: aws.kinesis.createKinesisClient({ maxAttempts: 1 }),
      logger: silentLogger(),
      tracing,
    });

    // Act 1: the application puts 20 records inside its own span, each carrying that span's context.
    let checkout: SpanContext | undefined;
    await app.startActiveSpan('checkout', async (span) => {
      checkout = span.spanContext();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          producer.put(withTraceContext({ partitionKey: `k${i}`, data: JSON.stringify({ order: i }) })),
        ),
      );
      span.end();
    });
    await producer.close();

    // Act 2: a consumer processes them; its handler opens a span of its own.
    const seen: string[] = [];
    const consumer = new KinesisConsumer({
      streamName,
      applicationName: `otel-trace-${process.pid}`,
      workerId: 'worker-t',
      kinesisClient: aws.kinesis.createKinesisClient(),
      dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
      initialPosition: 'TRIM_HORIZON',
      keepProcessAlive: false,
      logger: silentLogger(),
      tracing,
      eachBatch: async ({ records }) => {
        for (const r of records) seen.push(Buffer.from(r.data).toString('utf8'));
        app.startSpan('handler work').end();
      },
    });
    await consumer.start();
    const deadline = Date.now() + 30_000;
    while (seen.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await consumer.stop();

    // Act 3: a Lambda handler gets the same records as an event source mapping delivers them.
    const lambdaSeen: string[] = [];
    const handler = kinesisHandler(
      (record) => {
        lambdaSeen.push(Buffer.from(record.data).toString('utf8'));
      },
      { tracing, logger: silentLogger() },
    );
    const eventRecords = await readStreamAsEventRecords(aws.kinesis.kinesisClient, streamName);
    const byShard = new Map<string, typeof eventRecords>();
    for (const record of eventRecords) {
      const shardId = record.eventID.split(':')[0] as string;
      byShard.set(shardId, [...(byShard.get(shardId) ?? []), record]);
    }
    for (const records of byShard.values()) {
      await handler({ Records: records }, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-1' });
    }

    // Assess: handlers saw the original data, without the envelope.
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => JSON.stringify({ order: i })).sort());
    expect(lambdaSeen.sort()).toEqual(seen);

    const finished = spans();
    const linksTo = (span: (typeof finished)[number]) =>
      span.links.filter((l) => l.context.traceId === checkout?.traceId && l.context.spanId === checkout?.spanId);
    // The producer's PutRecords spans.
    const sends = finished.filter((s) => s.name === `send ${streamName}`);
    expect(sends.length).toBeGreaterThan(0);
    for (const send of sends) {
      expect(send.kind).toBe(SpanKind.CLIENT);
      expect(send.attributes).toMatchObject({
        'messaging.system': 'aws_kinesis',
        'messaging.operation.type': 'send',
        'messaging.destination.name': streamName,
      });
    }
    expect(sends.reduce((n, s) => n + linksTo(s).length, 0)).toBe(20);
    // The consumer's and Lambda's process spans: one link per record to the producing span.
    const processes = finished.filter((s) => s.name === `process ${streamName}`);
    const consumerSpans = processes.filter((s) => s.attributes['messaging.client.id'] === 'worker-t');
    const lambdaSpans = processes.filter((s) => s.attributes['messaging.client.id'] === 'req-1');
    for (const group of [consumerSpans, lambdaSpans]) {
      expect(group.length).toBeGreaterThan(0);
      expect(group.reduce((n, s) => n + linksTo(s).length, 0)).toBe(20);
      for (const span of group) {
        expect(span.kind).toBe(SpanKind.CONSUMER);
        expect(span.attributes).toMatchObject({
          'messaging.system': 'aws_kinesis',
          'messaging.operation.type': 'process',
          'messaging.destination.name': streamName,
          'aws.kinesis.stream_name': streamName,
        });
        expect(span.attributes['messaging.destination.partition.id']).toMatch(/^shardId-/);
      }
    }
    expect(consumerSpans[0]?.attributes['messaging.consumer.group.name']).toBe(`otel-trace-${process.pid}`);
    // The handler's own span is a child of the consumer's process span.
    const work = finished.filter((s) => s.name === 'handler work');
    const processIds = new Set(consumerSpans.map((s) => s.spanContext().spanId));
    expect(work.length).toBeGreaterThan(0);
    for (const span of work) expect(processIds.has(span.parentSpanContext?.spanId ?? '')).toBe(true);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
