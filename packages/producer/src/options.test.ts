import { InvalidOptionError, systemClock } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCER_OPTIONS, type ProducerOptions, resolveProducerOptions } from './options.js';

function optionOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return (error as InvalidOptionError).option;
  }
  return undefined;
}

describe('resolveProducerOptions', () => {
  it('fills the documented defaults and freezes the result', () => {
    const resolved = resolveProducerOptions({ streamName: 's' });
    expect(resolved).toMatchObject(DEFAULT_PRODUCER_OPTIONS);
    expect(resolved.clock).toBe(systemClock);
    expect(resolved.random).toBe(Math.random);
    expect(resolved.kinesisClient).toBeUndefined();
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(DEFAULT_PRODUCER_OPTIONS)).toBe(true);
  });

  it('treats an explicit undefined as "use the default"', () => {
    expect(
      resolveProducerOptions({ streamName: 's', maxBufferedTimeMs: undefined } as unknown as ProducerOptions),
    ).toMatchObject({
      maxBufferedTimeMs: DEFAULT_PRODUCER_OPTIONS.maxBufferedTimeMs,
    });
  });

  it('needs a stream name or ARN, non-empty', () => {
    expect(optionOf(() => resolveProducerOptions({} as ProducerOptions))).toBe('streamName');
    expect(optionOf(() => resolveProducerOptions({ streamName: '' }))).toBe('streamName');
    expect(optionOf(() => resolveProducerOptions({ streamArn: '' }))).toBe('streamArn');
    expect(resolveProducerOptions({ streamArn: 'arn:aws:kinesis:us-east-1:1:stream/s' }).streamName).toBeUndefined();
    expect(optionOf(() => resolveProducerOptions(null as unknown as ProducerOptions))).toBe('options');
  });

  it('refuses both a stream name and an ARN', () => {
    const both = { streamName: 's', streamArn: 'arn:aws:kinesis:us-east-1:1:stream/s' } as unknown as ProducerOptions;
    expect(optionOf(() => resolveProducerOptions(both))).toBe('streamArn');
  });

  it('rejects an unknown option, naming the closest one (a typo would silently keep the default)', () => {
    const typo = { streamName: 's', maxConnectionz: 4 } as unknown as ProducerOptions;
    expect(() => resolveProducerOptions(typo)).toThrow(
      new InvalidOptionError('maxConnectionz', { knownOptions: ['maxConnections'] }),
    );
    expect(() => resolveProducerOptions(typo)).toThrow(
      'Unknown option `maxConnectionz`: did you mean `maxConnections`?',
    );
    const kplName = { streamName: 's', RecordMaxBufferedTime: 100 } as unknown as ProducerOptions;
    expect(optionOf(() => resolveProducerOptions(kplName))).toBe('RecordMaxBufferedTime');
    // Even set to undefined: the name is the mistake.
    expect(optionOf(() => resolveProducerOptions({ streamName: 's', region: undefined } as ProducerOptions))).toBe(
      'region',
    );
  });

  it.each([
    ['collectionMaxCount', 501],
    ['collectionMaxCount', 0],
    ['collectionMaxCount', 1.5],
    ['aggregationMaxBytes', 63],
    ['maxConnections', 257],
    ['maxBufferedTimeMs', -1],
    ['maxBufferedTimeMs', Number.NaN],
    ['maxBufferedTimeMs', Number.POSITIVE_INFINITY],
    ['requestTimeoutMs', 0],
    ['rateLimit', 0],
    ['partitionKeyCacheSize', 0],
    ['recordTtlMs', '100'],
  ] as const)('rejects %s = %s', (key, value) => {
    expect(optionOf(() => resolveProducerOptions({ streamName: 's', [key]: value } as ProducerOptions))).toBe(key);
  });

  it('accepts Infinity where it means "no limit"', () => {
    const resolved = resolveProducerOptions({
      streamName: 's',
      rateLimit: Number.POSITIVE_INFINITY,
      maxInFlightPerShard: Number.POSITIVE_INFINITY,
      recordTtlMs: Number.POSITIVE_INFINITY,
      maxOutstandingRecords: Number.POSITIVE_INFINITY,
      shardMapRefreshIntervalMs: 0,
    });
    expect(resolved.rateLimit).toBe(Number.POSITIVE_INFINITY);
  });

  it('checks booleans and the relations between options', () => {
    expect(
      optionOf(() => resolveProducerOptions({ streamName: 's', aggregationEnabled: 1 as unknown as boolean })),
    ).toBe('aggregationEnabled');
    expect(
      optionOf(() => resolveProducerOptions({ streamName: 's', retryBaseDelayMs: 200, retryMaxDelayMs: 100 })),
    ).toBe('retryMaxDelayMs');
    expect(
      optionOf(() =>
        resolveProducerOptions({ streamName: 's', maxRecordBytes: 2_000_000, collectionMaxBytes: 1_000_000 }),
      ),
    ).toBe('collectionMaxBytes');
  });
});
