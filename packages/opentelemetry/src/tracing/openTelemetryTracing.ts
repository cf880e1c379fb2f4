import type {
  BatchSpanInfo,
  BatchTracing,
  ProducerTracing,
  SendSpan,
  SendSpanInfo,
  SendSpanOutcome,
  TracedRecord,
} from '@kinesis-kit/commons';
import { rejectUnknownOptions } from '@kinesis-kit/commons';
import {
  type Attributes,
  context as contextApi,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { Attr, MESSAGING_SYSTEM } from '../semconv.js';
import { parseTraceHeaders, recordsCarryTraceContext } from './traceContext.js';
import { hasEnvelope, unwrapData } from './traceContextEnvelope.js';

/** Options of {@link openTelemetryTracing}. */
export interface OpenTelemetryTracingOptions {
  /** @default the global TracerProvider (`trace.getTracerProvider()`) */
  tracerProvider?: TracerProvider;
  /**
   * Remove trace-context envelopes (`withTraceContext()`) from the records handed to your processor, and link the
   * batch's span to each record's producer span. @default true
   */
  unwrapTraceContext?: boolean;
  /** Most links per span (OpenTelemetry SDKs keep 128 by default). @default 128 */
  maxLinks?: number;
}

const TRACING_OPTION_KEYS = Object.keys({
  tracerProvider: true,
  unwrapTraceContext: true,
  maxLinks: true,
} satisfies Record<keyof OpenTelemetryTracingOptions, true>);

/** Instrumentation scope name of the tracer. */
export const TRACER_NAME = '@kinesis-kit/opentelemetry';

/** Tracing for the producer, the consumer and the Lambda helpers: pass it as their `tracing` option. */
export type KinesisTracing = ProducerTracing & BatchTracing;

/**
 * Spans through your TracerProvider (API only), following the OpenTelemetry messaging conventions:
 * - the producer: one `send <stream>` span (kind CLIENT: a PutRecords carries many messages, so it is no message's
 *   creation context) per PutRecords, a root linked to the producer span of every record that carries one;
 * - the consumer and Lambda: one `process <stream>` span (kind CONSUMER) per processed batch, linked to the producer
 *   span of every record that carries one, and active while your handler runs (its spans are children).
 */
export function openTelemetryTracing(options: OpenTelemetryTracingOptions = {}): KinesisTracing {
  rejectUnknownOptions(options, TRACING_OPTION_KEYS);
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
  return new OpenTelemetryTracing(tracer, options.unwrapTraceContext ?? true, options.maxLinks ?? 128);
}

class OpenTelemetryTracing implements KinesisTracing {
  readonly #tracer: Tracer;
  readonly #unwrap: boolean;
  readonly #maxLinks: number;

  constructor(tracer: Tracer, unwrap: boolean, maxLinks: number) {
    this.#tracer = tracer;
    this.#unwrap = unwrap;
    this.#maxLinks = maxLinks;
  }

  startSend(info: SendSpanInfo): SendSpan {
    const links: Link[] = [];
    // Records carry a context only if this process wrapped some (withTraceContext): else nothing to scan for.
    if (recordsCarryTraceContext()) this.#linkRecords(info, links);
    const span = this.#tracer.startSpan(
      `send ${info.streamName}`,
      {
        kind: SpanKind.CLIENT,
        links,
        attributes: {
          [Attr.MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
          [Attr.MESSAGING_OPERATION_TYPE]: 'send',
          [Attr.MESSAGING_OPERATION_NAME]: 'PutRecords',
          [Attr.MESSAGING_DESTINATION_NAME]: info.streamName,
          [Attr.AWS_KINESIS_STREAM_NAME]: info.streamName,
          [Attr.MESSAGING_BATCH_MESSAGE_COUNT]: info.userRecordCount,
          'aws.kinesis.record_count': info.recordCount,
          'messaging.message.body.size': info.bytes,
        },
      },
      // Sends run on the producer's timers: no caller's context is theirs.
      ROOT_CONTEXT,
    );
    return {
      end(outcome: SendSpanOutcome) {
        if (outcome.failedRecordCount > 0)
          span.setAttribute('aws.kinesis.failed_record_count', outcome.failedRecordCount);
        if (outcome.error !== undefined) {
          span.setAttribute(Attr.ERROR_TYPE, outcome.errorCode ?? 'Error');
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(outcome.error) });
        }
        span.end();
      },
    };
  }

  #linkRecords(info: SendSpanInfo, links: Link[]): void {
    for (const data of info.userRecordData()) {
      if (links.length >= this.#maxLinks) return;
      if (!hasEnvelope(data)) continue;
      const unwrapped = unwrapData(data);
      const spanContext = unwrapped === undefined ? undefined : parseTraceHeaders(unwrapped.headers);
      if (spanContext !== undefined) links.push({ context: spanContext });
    }
  }

  async traceBatch<R extends TracedRecord, T>(
    info: BatchSpanInfo<R>,
    process: (records: readonly R[]) => Promise<T>,
  ): Promise<T> {
    const links: Link[] = [];
    let records = info.records;
    if (this.#unwrap) {
      let copy: R[] | undefined;
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as R;
        if (!hasEnvelope(record.data)) continue;
        const unwrapped = unwrapData(record.data);
        if (unwrapped === undefined) continue;
        copy ??= records.slice();
        copy[i] = { ...record, data: unwrapped.data };
        const spanContext = parseTraceHeaders(unwrapped.headers);
        if (spanContext !== undefined && links.length < this.#maxLinks)
          links.push({
            context: spanContext,
            attributes: { [Attr.MESSAGING_MESSAGE_ID]: record.sequenceNumber },
          });
      }
      if (copy !== undefined) records = copy;
    }
    const stream = info.streamName ?? 'unknown';
    const attributes: Attributes = {
      [Attr.MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
      [Attr.MESSAGING_OPERATION_TYPE]: 'process',
      [Attr.MESSAGING_OPERATION_NAME]: 'process',
      [Attr.MESSAGING_DESTINATION_NAME]: stream,
      [Attr.MESSAGING_DESTINATION_PARTITION_ID]: info.shardId,
      [Attr.AWS_KINESIS_STREAM_NAME]: stream,
      [Attr.AWS_KINESIS_SHARD_ID]: info.shardId,
      [Attr.MESSAGING_BATCH_MESSAGE_COUNT]: records.length,
    };
    if (info.consumerGroup !== undefined) attributes[Attr.MESSAGING_CONSUMER_GROUP_NAME] = info.consumerGroup;
    if (info.clientId !== undefined) attributes[Attr.MESSAGING_CLIENT_ID] = info.clientId;
    const parent = info.detached ? ROOT_CONTEXT : contextApi.active();
    const span = this.#tracer.startSpan(`process ${stream}`, { kind: SpanKind.CONSUMER, links, attributes }, parent);
    try {
      return await contextApi.with(trace.setSpan(parent, span), () => process(records));
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}

function failed(span: Span, error: unknown): void {
  span.setAttribute(Attr.ERROR_TYPE, error instanceof Error ? error.name : 'Error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
  if (error instanceof Error) span.recordException(error);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
