import type { Dimension, MetricUnit } from '@kinesis-kit/commons';

/** Dimension names as the KCL 3.5 OpenTelemetry backend maps them to attributes (plus the KPL's and ours). */
const ATTRIBUTE_OF: Readonly<Record<string, string>> = {
  Operation: 'aws.kinesis.operation',
  ShardId: 'aws.kinesis.shard.id',
  StreamId: 'aws.kinesis.stream_name',
  StreamName: 'aws.kinesis.stream_name',
  WorkerIdentifier: 'aws.kinesis.consumer.name',
  // The OTel semantic conventions' name for an error's class.
  ErrorCode: 'error.type',
};

/** The attribute name of a dimension. */
export function attributeName(dimension: string): string {
  return ATTRIBUTE_OF[dimension] ?? dimension;
}

/** Dimensions as OpenTelemetry attributes, plus `extra` (not overriding). */
export function toAttributes(
  dimensions: readonly Dimension[],
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const attributes: Record<string, string> = { ...extra };
  for (const { name, value } of dimensions) attributes[attributeName(name)] = value;
  return attributes;
}

/** CloudWatch unit → UCUM (as the KCL's OTel backend). */
export function ucumUnit(unit: MetricUnit): string {
  switch (unit) {
    case 'Milliseconds':
      return 'ms';
    case 'Bytes':
      return 'By';
    default:
      return '1';
  }
}
