import { describe, expect, it } from 'vitest';
import { emfAgentDestination } from './emf/emfAgentDestination.js';
import { emfSink } from './emf/emfSink.js';
import { resolveMetricsOptions } from './metricsOptions.js';

describe('metrics options: unknown keys', () => {
  it('the producer and consumer `metrics` option names the closest valid key, by path', () => {
    expect(() => resolveMetricsOptions({ sink: [] } as never, 'ns')).toThrow(
      'Unknown option `metrics.sink`: did you mean `metrics.sinks`?',
    );
    expect(() => resolveMetricsOptions({ levl: 'DETAILED' } as never, 'ns')).toThrow('did you mean `metrics.level`?');
  });

  it('emfSink() and emfAgentDestination() reject them too', () => {
    expect(() => emfSink({ nameSpace: 'x' } as never)).toThrow('Unknown option `nameSpace`: did you mean `namespace`?');
    expect(() => emfAgentDestination({ endPoint: 'tcp://127.0.0.1:1' } as never)).toThrow('did you mean `endpoint`?');
  });
});
