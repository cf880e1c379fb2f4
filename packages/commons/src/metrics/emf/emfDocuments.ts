import type { MetricDatum, MetricsBatch } from '../MetricsSink.js';
import { EMF_LIMITS, EMF_NAMESPACE_PATTERN } from './emfLimits.js';

/** Options of {@link emfDocuments}. */
export interface EmfDocumentOptions {
  /** Replaces the batch's namespace. */
  namespace?: string | undefined;
  /** `1` makes the metrics high-resolution (billed as such). @default 60 */
  storageResolution?: 1 | 60;
}

/**
 * The batch as CloudWatch embedded metric format documents, one JSON object per string. Metrics with the same
 * dimensions share a document; a document carries at most 100 metrics (and stays under the event size limit); a
 * metric's value is its interval sum (counters), its level (gauges) or its samples (distributions, ≤ 100 values).
 * Dimension values are cut to 1,024 characters and names to 250; at most 30 dimensions are kept; the namespace is
 * made to fit EMF's pattern.
 */
export function emfDocuments(batch: MetricsBatch, options: EmfDocumentOptions = {}): string[] {
  const namespace = fitNamespace(options.namespace ?? batch.namespace);
  const resolution = options.storageResolution ?? 60;
  const groups = new Map<string, { dimensions: [string, string][]; data: MetricDatum[] }>();
  for (const datum of batch.data) {
    const dimensions = fitDimensions(datum);
    const key = dimensions.map(([n, v]) => `${n}\u0000${v}`).join('\u0001');
    let group = groups.get(key);
    if (group === undefined) {
      group = { dimensions, data: [] };
      groups.set(key, group);
    }
    group.data.push(datum);
  }
  const documents: string[] = [];
  for (const { dimensions, data } of groups.values()) {
    const names = new Set(dimensions.map(([n]) => n));
    let chunk: { metrics: { Name: string; Unit: string; StorageResolution?: 1 }[]; members: [string, unknown][] } =
      newChunk();
    let bytes = 0;
    const flush = () => {
      if (chunk.metrics.length === 0) return;
      documents.push(document(batch.timestamp, namespace, dimensions, chunk.metrics, chunk.members));
      chunk = newChunk();
      bytes = 0;
    };
    for (const datum of data) {
      if (names.has(datum.name) || datum.name === '_aws') continue; // a root member can be one thing only
      const value = metricValue(datum);
      const size = datum.name.length * 2 + JSON.stringify(value).length + 64;
      if (chunk.metrics.length >= EMF_LIMITS.maxMetricsPerEvent || bytes + size > EMF_LIMITS.maxEventBytes) flush();
      chunk.metrics.push(
        resolution === 1
          ? { Name: datum.name, Unit: datum.unit, StorageResolution: 1 }
          : { Name: datum.name, Unit: datum.unit },
      );
      chunk.members.push([datum.name, value]);
      bytes += size;
    }
    flush();
  }
  return documents;
}

function newChunk() {
  return { metrics: [] as { Name: string; Unit: string; StorageResolution?: 1 }[], members: [] as [string, unknown][] };
}

function document(
  timestamp: number,
  namespace: string,
  dimensions: readonly [string, string][],
  metrics: readonly { Name: string; Unit: string }[],
  members: readonly [string, unknown][],
): string {
  const root: Record<string, unknown> = {
    _aws: {
      Timestamp: Math.floor(timestamp),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [dimensions.map(([n]) => n)], Metrics: metrics }],
    },
  };
  for (const [name, value] of dimensions) root[name] = value;
  for (const [name, value] of members) root[name] = value;
  return JSON.stringify(root);
}

/** A counter's sum, a gauge's level, a distribution's samples (a lone sample as a number). */
function metricValue(datum: MetricDatum): number | number[] {
  if (datum.kind === 'counter') return datum.sum;
  if (datum.kind === 'gauge' || datum.values === undefined)
    return datum.kind === 'gauge' ? datum.max : datum.sum / datum.count;
  const values =
    datum.values.length > EMF_LIMITS.maxValuesPerMetric
      ? datum.values.slice(0, EMF_LIMITS.maxValuesPerMetric)
      : datum.values;
  return values.length === 1 ? (values[0] as number) : [...values];
}

function fitDimensions(datum: MetricDatum): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const { name, value } of datum.dimensions) {
    const n = name.slice(0, EMF_LIMITS.maxDimensionNameLength);
    if (seen.has(n) || n === '_aws' || n.length === 0) continue;
    seen.add(n);
    out.push([n, value.length === 0 ? 'None' : value.slice(0, EMF_LIMITS.maxDimensionValueLength)]);
    if (out.length === EMF_LIMITS.maxDimensionsPerSet) break;
  }
  return out;
}

function fitNamespace(namespace: string): string {
  const fitted = namespace.replace(/[^a-zA-Z0-9._#:/-]/g, '_').slice(0, EMF_LIMITS.maxNamespaceLength);
  return EMF_NAMESPACE_PATTERN.test(fitted) ? fitted : 'kinesis-kit';
}
