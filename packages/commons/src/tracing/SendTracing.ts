/** What a tracer learns about one PutRecords request when it is sent. */
export interface SendSpanInfo {
  readonly streamName: string;
  /** Kinesis records in the request. */
  readonly recordCount: number;
  /** User records inside them. */
  readonly userRecordCount: number;
  /** Data + partition key bytes. */
  readonly bytes: number;
  /**
   * The data of each user record in the request, in order (for a tracer that links records carrying a trace context:
   * see `withTraceContext()`). Only iterated when the tracer asks.
   */
  userRecordData(): Iterable<Uint8Array>;
}

/** How a PutRecords request ended. */
export interface SendSpanOutcome {
  /** Kinesis records that failed (all of them when the request failed). */
  readonly failedRecordCount: number;
  /** The request error, when the whole request failed. */
  readonly error?: unknown;
  /** The failure code when the request failed (`ProvisionedThroughputExceededException`, `ECONNRESET`, …). */
  readonly errorCode?: string | undefined;
}

/** An open span; `end()` is called exactly once. */
export interface SendSpan {
  end(outcome: SendSpanOutcome): void;
}

/**
 * Traces PutRecords requests: the producer's `tracing` option. `openTelemetryTracing()` from
 * `@kinesis-kit/opentelemetry` implements it; called once per request, never per record.
 */
export interface ProducerTracing {
  /** Opens a span for a request about to be sent; undefined for none. Must not throw. */
  startSend(info: SendSpanInfo): SendSpan | undefined;
}
