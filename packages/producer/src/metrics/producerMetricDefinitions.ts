import { type MetricDefinition, MetricKind, MetricUnit, OtelInstrument } from '@kinesis-kit/commons';

function metric(
  name: string,
  unit: MetricUnit,
  level: 'SUMMARY' | 'DETAILED',
  kind: MetricKind,
  description: string,
): MetricDefinition {
  // The KCL 3.5 rule (gauges; Count → counter; the rest histograms), except that the KPL's byte totals are counters
  // too: they are sums, and a histogram would cost a record call per Kinesis record for nothing.
  const otel =
    kind === MetricKind.GAUGE
      ? OtelInstrument.GAUGE
      : unit === MetricUnit.COUNT || kind === MetricKind.COUNTER
        ? OtelInstrument.COUNTER
        : OtelInstrument.HISTOGRAM;
  return Object.freeze({ name, unit, level, kind, otel, description });
}

const { COUNT, BYTES, MILLISECONDS } = MetricUnit;
const { COUNTER, GAUGE, DISTRIBUTION } = MetricKind;

/**
 * The producer's metrics: the KPL's names, units and levels (awslabs/amazon-kinesis-producer `metrics.md`), plus
 * `UserRecordExpired` (in the KPL's code, not its docs). Dimensions: `StreamName`, `ShardId` (see granularity),
 * `ErrorCode` for `ErrorsByCode`.
 */
export const ProducerMetric = Object.freeze({
  UserRecordsReceived: metric('UserRecordsReceived', COUNT, 'DETAILED', COUNTER, 'User records accepted by put().'),
  UserRecordsPending: metric(
    'UserRecordsPending',
    COUNT,
    'DETAILED',
    GAUGE,
    'User records accepted and not settled (buffered or in flight), sampled once per interval.',
  ),
  UserRecordsPut: metric(
    'UserRecordsPut',
    COUNT,
    'SUMMARY',
    COUNTER,
    'User records stored; a failed record counts 0, so Average is the success rate and SampleCount the attempts.',
  ),
  UserRecordsDataPut: metric(
    'UserRecordsDataPut',
    BYTES,
    'DETAILED',
    COUNTER,
    'Data bytes of the user records stored.',
  ),
  KinesisRecordsPut: metric(
    'KinesisRecordsPut',
    COUNT,
    'SUMMARY',
    COUNTER,
    'Kinesis records (aggregated or not) stored; 0 for failed ones, as UserRecordsPut.',
  ),
  KinesisRecordsDataPut: metric(
    'KinesisRecordsDataPut',
    BYTES,
    'DETAILED',
    COUNTER,
    'Bytes of the Kinesis records stored.',
  ),
  ErrorsByCode: metric(
    'ErrorsByCode',
    COUNT,
    'SUMMARY',
    COUNTER,
    'Failed attempts by error code (ErrorCode dimension), once per Kinesis record.',
  ),
  AllErrors: metric('AllErrors', COUNT, 'SUMMARY', COUNTER, 'Failed attempts, all codes.'),
  RetriesPerRecord: metric(
    'RetriesPerRecord',
    COUNT,
    'DETAILED',
    DISTRIBUTION,
    'Retries a user record needed, emitted when it settles.',
  ),
  UserRecordExpired: metric(
    'UserRecordExpired',
    COUNT,
    'SUMMARY',
    COUNTER,
    'User records that failed with RecordExpiredError (not stored within recordTtlMs).',
  ),
  BufferingTime: metric(
    'BufferingTime',
    MILLISECONDS,
    'SUMMARY',
    DISTRIBUTION,
    'Time from put() to the first send (Sum and SampleCount exact per user record; one sample per shard and request: the mean of its user records).',
  ),
  RequestTime: metric('RequestTime', MILLISECONDS, 'DETAILED', DISTRIBUTION, 'PutRecords latency.'),
  UserRecordsPerKinesisRecord: metric(
    'UserRecordsPerKinesisRecord',
    COUNT,
    'DETAILED',
    DISTRIBUTION,
    'User records aggregated into one Kinesis record.',
  ),
  KinesisRecordsPerPutRecordsRequest: metric(
    'KinesisRecordsPerPutRecordsRequest',
    COUNT,
    'DETAILED',
    DISTRIBUTION,
    'Kinesis records in one PutRecords request.',
  ),
  UserRecordsPerPutRecordsRequest: metric(
    'UserRecordsPerPutRecordsRequest',
    COUNT,
    'DETAILED',
    DISTRIBUTION,
    'User records in one PutRecords request.',
  ),
});
