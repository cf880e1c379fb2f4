import { describe, expect, it } from 'vitest';
import { openTelemetryMetricsSink } from './metrics/openTelemetryMetricsSink.js';
import { openTelemetryTracing } from './tracing/openTelemetryTracing.js';

describe('OpenTelemetry options', () => {
  it('an unknown key is refused, naming the closest valid one', () => {
    expect(() => openTelemetryTracing({ maxLink: 10 } as never)).toThrow(
      'Unknown option `maxLink`: did you mean `maxLinks`?',
    );
    expect(() => openTelemetryMetricsSink({ meterprovider: undefined } as never)).toThrow(
      'did you mean `meterProvider`?',
    );
  });
});
