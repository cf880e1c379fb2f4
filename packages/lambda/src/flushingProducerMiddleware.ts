import { type FlushableProducers, flushAll } from './withFlushingProducer.js';

/** A Middy middleware object (structurally; no dependency on Middy). */
export interface FlushingProducerMiddleware {
  after: () => Promise<void>;
  onError: () => Promise<void>;
}

/**
 * A Middy middleware that flushes `producers` after the handler, and also when it fails (the error still
 * propagates). `middy(handler).use(flushingProducerMiddleware(producer))`. Without Middy, use
 * {@link withFlushingProducer}.
 */
export function flushingProducerMiddleware(producers: FlushableProducers): FlushingProducerMiddleware {
  const flush = async (): Promise<void> => {
    await flushAll(producers);
  };
  return { after: flush, onError: flush };
}
