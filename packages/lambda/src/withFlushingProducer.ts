/** Anything with the producer's `flush()`: a `KinesisProducer` from `@kinesis-kit/producer`, or several. */
export interface FlushableProducer {
  /** Resolves when every record put before the call has a fate (stored or failed). Never rejects. */
  flush(): Promise<void>;
  /**
   * Publishes the metrics of the current interval now (EMF lines before the environment freezes). Called after
   * `flush()` when the producer has it. Never rejects.
   */
  flushMetrics?(): Promise<void>;
}

/** One producer or several. */
export type FlushableProducers = FlushableProducer | readonly FlushableProducer[];

/** Flushes every producer, together: its records, then its metrics. */
export function flushAll(producers: FlushableProducers): Promise<unknown> {
  const flushOne = async (producer: FlushableProducer) => {
    await producer.flush();
    await producer.flushMetrics?.();
  };
  if (!Array.isArray(producers)) return flushOne(producers as FlushableProducer);
  return Promise.all((producers as readonly FlushableProducer[]).map(flushOne));
}

/**
 * Wraps a Lambda handler so that its promise settles only after `producers` are flushed — whether the handler
 * returned or threw — so no record is left in a buffer when the execution environment freezes. Create the producer
 * at module scope (it is reused across invocations); its timers are unref'd, so it never keeps the runtime's event
 * loop alive.
 *
 * `flush()` never rejects: to fail the invocation when a record could not be stored, await the `put()` promises
 * (rejections of unawaited puts become unhandled rejections, which crash the Lambda runtime).
 */
export function withFlushingProducer<Args extends unknown[], Result>(
  producers: FlushableProducers,
  handler: (...args: Args) => Result | Promise<Result>,
): (...args: Args) => Promise<Result> {
  return async (...args: Args): Promise<Result> => {
    try {
      return await handler(...args);
    } finally {
      await flushAll(producers);
    }
  };
}
