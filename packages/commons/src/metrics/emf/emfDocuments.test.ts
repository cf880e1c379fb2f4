import { describe, expect, it } from 'vitest';
import { emfMetrics, parseEmfLines } from '../../../../../test/fixtures/emf/emfTargets.js';
import { MetricKind, MetricUnit, OtelInstrument } from '../MetricDefinition.js';
import type { MetricDatum, MetricsBatch } from '../MetricsSink.js';
import { emfDocuments } from './emfDocuments.js';
import { emfSink } from './emfSink.js';

function datum(name: string, dimensions: { name: string; value: string }[], sum = 1): MetricDatum {
  return {
    name,
    unit: MetricUnit.COUNT,
    kind: MetricKind.COUNTER,
    otel: OtelInstrument.COUNTER,
    dimensions,
    count: 1,
    sum,
    min: sum,
    max: sum,
    values: undefined,
    rollup: false,
  };
}

function batch(data: MetricDatum[], namespace = 'KinesisProducerLibrary'): MetricsBatch {
  return {
    namespace,
    timestamp: 1_700_000_000_123,
    intervalMs: 60_000,
    source: { component: 'producer', streamName: 'orders' },
    data,
  };
}

describe('emfDocuments: the EMF specification and its limits', () => {
  it('splits more than 100 metrics of one dimension set into documents of at most 100', () => {
    // Prepare
    const dims = [{ name: 'StreamName', value: 'orders' }];
    const data = Array.from({ length: 250 }, (_, i) => datum(`Metric${i}`, dims, i));

    // Act
    const docs = parseEmfLines(emfDocuments(batch(data)).join('\n'));

    // Assess
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([100, 100, 50]);
    const metrics = emfMetrics(docs);
    expect(metrics).toHaveLength(250);
    expect(metrics.find((m) => m.name === 'Metric249')).toMatchObject({
      value: 249,
      dimensions: { StreamName: 'orders' },
    });
  });

  it('cuts long dimension values to 1,024 characters, keeps at most 30 dimensions, fixes the namespace', () => {
    // Prepare
    const long = 'v'.repeat(5_000);
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `D${i}`, value: i === 0 ? long : `value-${i}` }));

    // Act
    const docs = parseEmfLines(emfDocuments(batch([datum('AllErrors', many)], 'my app (prod)')).join('\n'));

    // Assess
    const doc = docs[0]!;
    const directive = doc._aws.CloudWatchMetrics[0]!;
    expect(directive.Dimensions[0]).toHaveLength(30);
    expect((doc.D0 as string).length).toBe(1_024);
    expect(directive.Namespace).toBe('my_app__prod_');
  });

  it('distribution samples become value arrays of at most 100; counters their sum; gauges their level', () => {
    // Prepare
    const values = Array.from({ length: 100 }, (_, i) => i);
    const dims = [{ name: 'StreamName', value: 'orders' }];
    const data: MetricDatum[] = [
      {
        ...datum('BufferingTime', dims),
        unit: MetricUnit.MILLISECONDS,
        kind: MetricKind.DISTRIBUTION,
        values,
        count: 5_000,
        sum: 1,
      },
      { ...datum('UserRecordsPending', dims, 42), kind: MetricKind.GAUGE },
      datum('UserRecordsPut', dims, 5_000),
    ];

    // Act
    const metrics = emfMetrics(parseEmfLines(emfDocuments(batch(data)).join('\n')));

    // Assess
    expect(metrics.map((m) => [m.name, m.unit, Array.isArray(m.value) ? m.value.length : m.value])).toEqual([
      ['BufferingTime', 'Milliseconds', 100],
      ['UserRecordsPending', 'Count', 42],
      ['UserRecordsPut', 'Count', 5_000],
    ]);
  });

  it('emfSink writes one line per document; an invalid namespace option is refused at once', () => {
    const lines: string[] = [];
    emfSink({ destination: { write: (l: string) => void lines.push(l) } }).publish(batch([datum('AllErrors', [])]));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(() => emfSink({ namespace: 'no spaces allowed' })).toThrow(/namespace/);
  });
});
