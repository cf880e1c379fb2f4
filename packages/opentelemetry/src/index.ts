// The public surface of @kinesis-kit/opentelemetry: kinesis-kit metrics and spans through @opentelemetry/api.
export type { OpenTelemetryMetricsSinkOptions } from './metrics/openTelemetryMetricsSink.js';
export { METER_NAME, openTelemetryMetricsSink } from './metrics/openTelemetryMetricsSink.js';
export { attributeName, ucumUnit } from './names/otelAttributes.js';
export { otelMetricName } from './names/otelMetricName.js';
export { Attr, MESSAGING_SYSTEM } from './semconv.js';
export type { KinesisTracing, OpenTelemetryTracingOptions } from './tracing/openTelemetryTracing.js';
export { openTelemetryTracing, TRACER_NAME } from './tracing/openTelemetryTracing.js';
export type { RecordWithData } from './tracing/traceContext.js';
export {
  contextOfRecord,
  extractTraceContext,
  formatTraceparent,
  parseTraceHeaders,
  withTraceContext,
} from './tracing/traceContext.js';
export type { TraceHeaders } from './tracing/traceContextEnvelope.js';
export { ENVELOPE_MAGIC, hasEnvelope, unwrapData, wrapData } from './tracing/traceContextEnvelope.js';
