const PREFIX = 'aws.kinesis.client.';

/** KCL metric names the KCL 3.5 OpenTelemetry backend renames outright (`OtelMetricNameTransformer`). */
const SPECIAL: Readonly<Record<string, string>> = {
  MillisBehindLatest: 'consumer.lag.duration',
  DataBytesProcessed: 'records.size',
  NumWorkers: 'workers',
};

/**
 * The OpenTelemetry instrument name of a KPL/KCL metric, by the KCL 3.5 OpenTelemetry backend's rules: a few
 * special names; otherwise `:` → `.`, a trailing `.Time` → `.duration`, a trailing `.Count` dropped, each dot-separated
 * part split at case changes into snake_case (a run of capitals is one word), lower-cased, and prefixed with
 * `aws.kinesis.client.`. `UserRecordsPut` → `aws.kinesis.client.user_records_put`;
 * `RecordProcessor.processRecords.Time` → `aws.kinesis.client.record_processor.process_records.duration`.
 */
export function otelMetricName(name: string): string {
  const special = SPECIAL[name];
  if (special !== undefined) return PREFIX + special;
  let n = name.replaceAll(':', '.');
  if (n.endsWith('.Time')) n = `${n.slice(0, -'.Time'.length)}.duration`;
  if (n.endsWith('.Count')) n = n.slice(0, -'.Count'.length);
  const snake = n
    .split('.')
    .map((part) => part.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2'))
    .join('.')
    .toLowerCase();
  return (PREFIX + snake).replace(/[^A-Za-z0-9_.\-/]/g, '_').slice(0, 255);
}
