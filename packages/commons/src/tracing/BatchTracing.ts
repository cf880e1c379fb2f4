/** A record as a batch tracer sees it: where it sits, and its data (which may carry a trace context). */
export interface TracedRecord {
  readonly data: Uint8Array;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number | undefined;
}

/** What a tracer learns about one batch of records about to be processed. */
export interface BatchSpanInfo<R extends TracedRecord> {
  readonly streamName: string | undefined;
  readonly shardId: string;
  /** The consumer's application name (KCL `applicationName`); the event source for Lambda. */
  readonly consumerGroup: string | undefined;
  /** The worker id (consumer) or the request id (Lambda). */
  readonly clientId: string | undefined;
  readonly records: readonly R[];
  /**
   * Start the span as a root (with links) rather than as a child of the active context: the consumer's loops run in
   * whatever async context `start()` was called from, which is no parent of a batch. Lambda passes false (the
   * invocation's span, when instrumented, is the parent).
   */
  readonly detached: boolean;
}

/**
 * Traces the processing of record batches: the consumer's and the Lambda helpers' `tracing` option.
 * `openTelemetryTracing()` from `@kinesis-kit/opentelemetry` implements it.
 */
export interface BatchTracing {
  /**
   * Runs `process` for one batch inside a span (so spans your handler starts are its children). It may hand
   * `process` other record objects than `info.records` — the same records with a trace context envelope removed
   * from their data — and must return what `process` returns (or throws).
   */
  traceBatch<R extends TracedRecord, T>(
    info: BatchSpanInfo<R>,
    process: (records: readonly R[]) => Promise<T>,
  ): Promise<T>;
}
