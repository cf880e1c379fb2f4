import { describe, expect, it } from 'vitest';
import { flushingProducerMiddleware } from './flushingProducerMiddleware.js';
import { withFlushingProducer } from './withFlushingProducer.js';

/** A stand-in producer that logs when flush() is called and when it completes. */
function fakeProducer(name: string, log: string[], flushMs = 5) {
  return {
    flush: async () => {
      log.push(`${name}.flush`);
      await new Promise((resolve) => setTimeout(resolve, flushMs));
      log.push(`${name}.flushed`);
    },
  };
}

describe('withFlushingProducer', () => {
  it('resolves with the handler result only after every producer flushed', async () => {
    // Prepare
    const log: string[] = [];
    const handler = withFlushingProducer(
      [fakeProducer('a', log), fakeProducer('b', log, 15)],
      async (event: number) => {
        log.push('handler');
        return event * 2;
      },
    );

    // Act
    const result = await handler(21);
    log.push('resolved');

    // Assess
    expect(result).toBe(42);
    expect(log).toEqual(['handler', 'a.flush', 'b.flush', 'a.flushed', 'b.flushed', 'resolved']);
  });

  it('publishes the metrics after the records, when the producer has flushMetrics()', async () => {
    const log: string[] = [];
    const producer = {
      ...fakeProducer('p', log),
      flushMetrics: async () => {
        log.push('p.flushMetrics');
      },
    };
    await withFlushingProducer(producer, () => log.push('handler'))();
    expect(log).toEqual(['handler', 'p.flush', 'p.flushed', 'p.flushMetrics']);
  });

  it('flushes when the handler throws, then rethrows its error', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const handler = withFlushingProducer(fakeProducer('a', log), () => {
      throw boom;
    });
    await expect(handler()).rejects.toBe(boom);
    expect(log).toEqual(['a.flush', 'a.flushed']);
  });

  it('passes every argument through (event, context, …)', async () => {
    const handler = withFlushingProducer(
      fakeProducer('a', []),
      (event: string, context: { id: number }) => `${event}:${context.id}`,
    );
    await expect(handler('e', { id: 7 })).resolves.toBe('e:7');
  });
});

describe('flushingProducerMiddleware', () => {
  it('flushes in after and in onError, resolving only once flushed', async () => {
    const log: string[] = [];
    const middleware = flushingProducerMiddleware(fakeProducer('a', log));
    await middleware.after();
    log.push('after done');
    await middleware.onError();
    log.push('onError done');
    expect(log).toEqual(['a.flush', 'a.flushed', 'after done', 'a.flush', 'a.flushed', 'onError done']);
  });
});
