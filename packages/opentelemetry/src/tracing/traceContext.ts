import {
  type Context,
  context as contextApi,
  createTraceState,
  isSpanContextValid,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { type TraceHeaders, unwrapData, wrapData } from './traceContextEnvelope.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Set once this process wrapped a record: until then a producer's send spans need not look for envelopes. */
let wrappedAny = false;

/** Whether {@link withTraceContext} wrapped a record in this process. */
export function recordsCarryTraceContext(): boolean {
  return wrappedAny;
}

/** A W3C `traceparent` (version 00) for a span context. */
export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The span context of W3C headers (remote); undefined when `traceparent` is not valid. */
export function parseTraceHeaders(headers: TraceHeaders): SpanContext | undefined {
  const match = TRACEPARENT.exec(headers.traceparent);
  if (match === null) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (headers.tracestate !== undefined && headers.tracestate.length > 0) {
    spanContext.traceState = createTraceState(headers.tracestate);
  }
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** A record as `put()` takes it. */
export interface RecordWithData {
  data: Uint8Array | string;
  partitionKey: string;
  explicitHashKey?: string | undefined;
}

/**
 * The record with the W3C trace context of `context` (default: the active one) carried in front of its data (see
 * `traceContextEnvelope.ts`); the record itself when there is no valid span in the context. Opt-in per record:
 * `producer.put(withTraceContext(record))`. Readers must unwrap it: the consumer and the Lambda helpers do when given
 * `tracing: openTelemetryTracing()`; elsewhere call {@link extractTraceContext}.
 */
export function withTraceContext<R extends RecordWithData>(
  record: R,
  context: Context = contextApi.active(),
): Omit<R, 'data'> & { data: Uint8Array } {
  const spanContext = trace.getSpanContext(context);
  const data = typeof record.data === 'string' ? Buffer.from(record.data, 'utf8') : record.data;
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return { ...record, data };
  const headers: TraceHeaders = { traceparent: formatTraceparent(spanContext) };
  const state = spanContext.traceState?.serialize();
  if (state !== undefined && state.length > 0) headers.tracestate = state;
  wrappedAny = true;
  return { ...record, data: wrapData(data, headers) };
}

/**
 * The original data of a record, and the trace context it carries (its producer's span as a remote span context):
 * `{ data, spanContext: undefined }` — `data` unchanged — for a record without an envelope.
 */
export function extractTraceContext(data: Uint8Array): { data: Uint8Array; spanContext: SpanContext | undefined } {
  const unwrapped = unwrapData(data);
  if (unwrapped === undefined) return { data, spanContext: undefined };
  return { data: unwrapped.data, spanContext: parseTraceHeaders(unwrapped.headers) };
}

/** `context` (default: the active one) with the producer's span of `data` as the parent, for your own spans. */
export function contextOfRecord(data: Uint8Array, context: Context = contextApi.active()): Context {
  const { spanContext } = extractTraceContext(data);
  return spanContext === undefined ? context : trace.setSpanContext(context, spanContext);
}
