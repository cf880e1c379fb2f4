import { type MetricDefinition, MetricKind, MetricUnit, OtelInstrument } from '@kinesis-kit/commons';

/** KCL metrics the KCL 3.5 OpenTelemetry backend records as gauges (`OtelMetricsScope.GAUGE_METRIC_NAMES`). */
const OTEL_GAUGES = new Set(['CurrentLeases', 'TotalLeases', 'NumWorkers', 'NeededLeases']);

function metric(
  name: string,
  unit: MetricUnit,
  level: 'SUMMARY' | 'DETAILED',
  kind: MetricKind,
  description: string,
): MetricDefinition {
  const otel =
    kind === MetricKind.GAUGE || OTEL_GAUGES.has(name)
      ? OtelInstrument.GAUGE
      : unit === MetricUnit.COUNT
        ? OtelInstrument.COUNTER
        : OtelInstrument.HISTOGRAM;
  return Object.freeze({ name, unit, level, kind, otel, description });
}

const { COUNT, BYTES, MILLISECONDS } = MetricUnit;
const { COUNTER, GAUGE, DISTRIBUTION } = MetricKind;

/** The KCL's `Operation` dimension values we publish under. */
export const Operation = {
  /** Per shard: fetching and processing (`ShardId` dimension at SHARD granularity). */
  PROCESS_TASK: 'ProcessTask',
  /** Per worker: renewing the leases held. */
  RENEW_ALL_LEASES: 'RenewAllLeases',
  /** Per worker: taking and balancing leases. */
  TAKE_LEASES: 'TakeLeases',
  /** Per worker: failures the worker recovers from (no KCL counterpart). */
  WORKER: 'Worker',
} as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/**
 * The consumer's metrics: the KCL's names, units and levels ("Monitor the KCL with CloudWatch"), plus error counters
 * the KCL does not have (it skips a failed batch, so it has nothing to count). Dimensions: `Operation` always,
 * `ShardId` on per-shard metrics (and a copy without it: the stream-wide view, e.g. Maximum of MillisBehindLatest).
 */
export const ConsumerMetric = Object.freeze({
  RecordsProcessed: metric('RecordsProcessed', COUNT, 'SUMMARY', COUNTER, 'Records handed to the processor.'),
  DataBytesProcessed: metric(
    'DataBytesProcessed',
    BYTES,
    'SUMMARY',
    DISTRIBUTION,
    'Data bytes of the records in each processed batch.',
  ),
  MillisBehindLatest: metric(
    'MillisBehindLatest',
    MILLISECONDS,
    'SUMMARY',
    DISTRIBUTION,
    'How far the reader is behind the tip of the shard, per GetRecords (or fan-out event). Maximum without ShardId: the stream-wide lag.',
  ),
  ProcessRecordsTime: metric(
    'RecordProcessor.processRecords.Time',
    MILLISECONDS,
    'SUMMARY',
    DISTRIBUTION,
    'Time the processor took for a batch.',
  ),
  ExpiredIterator: metric(
    'ExpiredIterator',
    COUNT,
    'SUMMARY',
    COUNTER,
    'Shard iterators that expired and were renewed.',
  ),
  GetRecordsSuccess: metric(
    'KinesisDataFetcher.getRecords.Success',
    COUNT,
    'DETAILED',
    COUNTER,
    'Successful GetRecords calls (or fan-out events).',
  ),
  CheckpointSuccess: metric('UpdateLease.Success', COUNT, 'DETAILED', COUNTER, 'Checkpoints written.'),
  ProcessorErrors: metric(
    'ProcessorErrors',
    COUNT,
    'SUMMARY',
    COUNTER,
    'Times the processor threw (each attempt of a retried batch counts). No KCL counterpart.',
  ),
  FetchErrors: metric(
    'FetchErrors',
    COUNT,
    'SUMMARY',
    COUNTER,
    'Failed GetShardIterator/GetRecords/SubscribeToShard calls, throttling included. No KCL counterpart.',
  ),
  CheckpointFailures: metric(
    'CheckpointFailures',
    COUNT,
    'SUMMARY',
    COUNTER,
    'Checkpoint writes that failed (lease lost, throttling). No KCL counterpart.',
  ),
  CurrentLeases: metric('CurrentLeases', COUNT, 'SUMMARY', GAUGE, 'Shard leases this worker holds.'),
  StuckShards: metric(
    'StuckShards',
    COUNT,
    'SUMMARY',
    GAUGE,
    'Shards without progress for stuckShardThresholdMs while behind (consumer.shard_stuck). No KCL counterpart.',
  ),
  LostLeases: metric('LostLeases', COUNT, 'SUMMARY', COUNTER, 'Leases this worker lost (taken by another, expired).'),
  TakenLeases: metric('TakenLeases', COUNT, 'SUMMARY', COUNTER, 'Leases this worker gained.'),
  NumWorkers: metric('NumWorkers', COUNT, 'SUMMARY', GAUGE, 'Live workers, as this worker sees the lease table.'),
  TotalLeases: metric('TotalLeases', COUNT, 'DETAILED', GAUGE, 'Leases of shards still to be processed.'),
  NeededLeases: metric('NeededLeases', COUNT, 'DETAILED', GAUGE, 'Leases this worker should hold for an even share.'),
  WorkerErrors: metric(
    'WorkerErrors',
    COUNT,
    'SUMMARY',
    COUNTER,
    'Background failures the worker recovers from (consumer.error: lease layer, shard sync). No KCL counterpart.',
  ),
});
