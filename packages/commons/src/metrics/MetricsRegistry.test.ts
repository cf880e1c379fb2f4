import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import { jsonLogger } from '../logger/jsonLogger.js';
import { type MetricDefinition, MetricKind, MetricUnit, OtelInstrument } from './MetricDefinition.js';
import { MAX_SAMPLES, NO_METRIC } from './MetricSeries.js';
import { MetricsPublisher } from './MetricsPublisher.js';
import { MetricsRegistry } from './MetricsRegistry.js';
import type { MetricsBatch, MetricsSink } from './MetricsSink.js';
import { resolveMetricsOptions } from './metricsOptions.js';

const PUT: MetricDefinition = {
  name: 'UserRecordsPut',
  unit: MetricUnit.COUNT,
  level: 'SUMMARY',
  kind: MetricKind.COUNTER,
  otel: OtelInstrument.COUNTER,
  description: 'stored',
};
const LATENCY: MetricDefinition = {
  name: 'RequestTime',
  unit: MetricUnit.MILLISECONDS,
  level: 'DETAILED',
  kind: MetricKind.DISTRIBUTION,
  otel: OtelInstrument.HISTOGRAM,
  description: 'latency',
};
const PENDING: MetricDefinition = {
  ...PUT,
  name: 'UserRecordsPending',
  kind: MetricKind.GAUGE,
  otel: OtelInstrument.GAUGE,
};

const stream = [{ name: 'StreamName', value: 'orders' }];
const shard = [...stream, { name: 'ShardId', value: 'shardId-000000000000' }];

function registry(level: 'SUMMARY' | 'DETAILED' = 'DETAILED') {
  return new MetricsRegistry({ level, granularity: 'SHARD', dimensions: [] });
}

describe('MetricsRegistry', () => {
  it('a handle records into every level of the hierarchy; collect() gives statistic sets and restarts', () => {
    // Prepare
    const metrics = registry();
    const put = metrics.handle(PUT, [shard, stream, []]);

    // Act
    put.add(1, 500);
    put.add(0, 20); // the KPL's trick: failures as zeros, so Average = success rate
    const first = metrics.collect();
    const second = metrics.collect();

    // Assess
    expect(first).toHaveLength(3);
    for (const datum of first)
      expect(datum).toMatchObject({ name: 'UserRecordsPut', count: 520, sum: 500, min: 0, max: 1 });
    expect(first.map((d) => d.dimensions.length).sort()).toEqual([0, 1, 2]);
    expect(second).toEqual([]);
  });

  it('metrics above the configured level get the no-op handle and no series', () => {
    const metrics = registry('SUMMARY');
    expect(metrics.handle(LATENCY, [stream])).toBe(NO_METRIC);
    metrics.handle(LATENCY, [stream]).add(5);
    expect(metrics.collect()).toEqual([]);
  });

  it('distributions keep every sample up to 100, then a uniform sample with the exact min and max', () => {
    // Prepare
    const metrics = registry();
    const few = metrics.series(LATENCY, [{ name: 'A', value: 'few' }]);
    const many = metrics.series(LATENCY, [{ name: 'A', value: 'many' }]);

    // Act
    for (let i = 1; i <= 50; i++) few.add(i);
    for (let i = 1; i <= 10_000; i++) many.add(i);
    const data = metrics.collect();

    // Assess
    const fewDatum = data.find((d) => d.dimensions[0]?.value === 'few')!;
    const manyDatum = data.find((d) => d.dimensions[0]?.value === 'many')!;
    expect(fewDatum.values).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(manyDatum).toMatchObject({ count: 10_000, sum: 50_005_000, min: 1, max: 10_000 });
    expect(manyDatum.values).toHaveLength(MAX_SAMPLES);
    expect(Math.min(...manyDatum.values!)).toBe(1);
    expect(Math.max(...manyDatum.values!)).toBe(10_000);
    const mean = manyDatum.values!.reduce((a, b) => a + b, 0) / MAX_SAMPLES;
    expect(mean).toBeGreaterThan(3_000); // a uniform sample of 1..10000: mean ≈ 5000
    expect(mean).toBeLessThan(7_000);
  });

  it('gauges are read once per interval; retire() drains a shard one last time and forgets it', () => {
    // Prepare
    const metrics = registry();
    let pending = 7;
    metrics.gauge(PENDING, stream, () => pending);
    const put = metrics.handle(PUT, [shard]);
    put.add(1, 3);

    // Act
    metrics.retire({ name: 'ShardId', value: 'shardId-000000000000' });
    const first = metrics.collect();
    pending = 9;
    const second = metrics.collect();

    // Assess
    expect(first.map((d) => [d.name, d.sum])).toEqual([
      ['UserRecordsPut', 3],
      ['UserRecordsPending', 7],
    ]);
    expect(second.map((d) => [d.name, d.sum])).toEqual([['UserRecordsPending', 9]]);
  });
});

describe('MetricsPublisher', () => {
  function manualClock() {
    let now = 1_000;
    let timer: (() => void) | undefined;
    const clock: Clock = {
      now: () => now,
      setTimeout: (callback) => {
        timer = callback;
        return { cancel: () => (timer = undefined) };
      },
    };
    return {
      clock,
      tick(ms: number) {
        now += ms;
        const fire = timer;
        timer = undefined;
        fire?.();
      },
    };
  }

  it('hands each interval to every sink, isolates a throwing sink, flushes on close()', async () => {
    // Prepare
    const { clock, tick } = manualClock();
    const batches: MetricsBatch[] = [];
    let flushed = 0;
    const good: MetricsSink = { publish: (b) => void batches.push(b), flush: async () => void flushed++ };
    const bad: MetricsSink = {
      publish: () => {
        throw new Error('sink down');
      },
    };
    const logged: string[] = [];
    const options = resolveMetricsOptions({ sinks: [bad, good], intervalMs: 60_000 }, 'KinesisProducerLibrary')!;
    const metrics = registry();
    const publisher = new MetricsPublisher(
      metrics,
      options,
      { component: 'producer', streamName: 'orders' },
      clock,
      jsonLogger({ destination: { write: (l: string) => void logged.push(l) } }),
    );
    const put = metrics.handle(PUT, [stream]);

    // Act
    publisher.start();
    put.add(1, 10);
    tick(60_000);
    put.add(1, 5);
    tick(60_000);
    put.add(1, 2);
    await publisher.close();

    // Assess
    expect(batches.map((b) => b.data[0]?.sum)).toEqual([10, 5, 2]);
    expect(batches[0]).toMatchObject({ namespace: 'KinesisProducerLibrary', intervalMs: 60_000 });
    expect(Math.abs(batches[0]!.timestamp - Date.now())).toBeLessThan(5_000); // wall time: it leaves the process
    expect(flushed).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('sink down');
  });

  it('no sinks, or level NONE: nothing to resolve, so nothing is built', () => {
    expect(resolveMetricsOptions(undefined, 'x')).toBeUndefined();
    expect(resolveMetricsOptions({ sinks: [] }, 'x')).toBeUndefined();
    expect(resolveMetricsOptions({ sinks: [{ publish() {} }], level: 'NONE' }, 'x')).toBeUndefined();
    expect(() => resolveMetricsOptions({ sinks: [{ publish() {} }], namespace: 'bad namespace!' }, 'x')).toThrow(
      /namespace/,
    );
  });
});
