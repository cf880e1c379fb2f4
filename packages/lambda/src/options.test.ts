import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { kinesisBatchHandler, kinesisHandler } from './kinesisHandler.js';
import { DEFAULT_KINESIS_RECORD_OPTIONS, resolveKinesisBatchOptions, resolveKinesisRecordOptions } from './options.js';

describe('resolveKinesisRecordOptions', () => {
  it('gives the frozen defaults', () => {
    const resolved = resolveKinesisRecordOptions();
    expect(resolved).toEqual(DEFAULT_KINESIS_RECORD_OPTIONS);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(DEFAULT_KINESIS_RECORD_OPTIONS)).toBe(true);
  });

  it('ignores undefined values', () => {
    expect(resolveKinesisRecordOptions({ concurrency: undefined } as never).concurrency).toBe(1);
  });

  it.each([
    ['concurrency', 0],
    ['concurrency', 1.5],
    ['concurrency', '4'],
    ['continueOnFailure', 'always'],
    ['throwOnFullBatchFailure', 'yes'],
    ['strictDeaggregation', 1],
    ['verifyChecksum', null],
    ['remainingTimeMarginMs', -1],
    ['remainingTimeMarginMs', Number.POSITIVE_INFINITY],
    ['logger', {}],
  ])('rejects %s = %j with InvalidOptionError naming it', (option, value) => {
    const attempt = () => resolveKinesisRecordOptions({ [option]: value } as never);
    expect(attempt).toThrow(InvalidOptionError);
    expect(attempt).toThrow(`\`${option}\``);
  });
});

describe('resolveKinesisBatchOptions', () => {
  it('has only the shared options', () => {
    const resolved = resolveKinesisBatchOptions({ remainingTimeMarginMs: 500 });
    expect(resolved.remainingTimeMarginMs).toBe(500);
    expect('concurrency' in resolved).toBe(false);
    expect(() => resolveKinesisBatchOptions({ verifyChecksum: 'no' } as never)).toThrow(InvalidOptionError);
  });
});

describe('unknown options', () => {
  it('are rejected at cold start, naming the closest valid option', () => {
    expect(() => kinesisHandler(() => {}, { concurency: 4 } as never)).toThrow(
      'Unknown option `concurency`: did you mean `concurrency`?',
    );
    expect(() => kinesisHandler(() => {}, { strictDeaggregate: true } as never)).toThrow(
      'Unknown option `strictDeaggregate`: did you mean `strictDeaggregation`?',
    );
  });

  it('the per-batch form has no per-record options', () => {
    expect(() => kinesisBatchHandler(() => {}, { concurrency: 4 } as never)).toThrow(InvalidOptionError);
    expect(() => resolveKinesisBatchOptions({ continueOnFailure: 'never' } as never)).toThrow(
      'Unknown option `continueOnFailure`',
    );
  });
});
