import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KINESIS_CONSUMER_OPTIONS, resolveKinesisConsumerOptions } from './options.js';

const base = { streamName: 's', applicationName: 'app', eachBatch: () => {} };

describe('resolveKinesisConsumerOptions', () => {
  it('fills the defaults (KCL counterparts where they exist)', () => {
    const o = resolveKinesisConsumerOptions(base);
    expect(o.maxRecords).toBe(10_000);
    expect(o.failoverTimeMs).toBe(10_000);
    expect(o.minGetRecordsIntervalMs).toBe(200);
    expect(o.initialPosition).toBe('LATEST');
    expect(o.leaseTableName).toBe('app');
    expect(o.onProcessorError).toBe('retry');
    expect(o.workerId.length).toBeGreaterThan(0);
    expect(Object.isFrozen(DEFAULT_KINESIS_CONSUMER_OPTIONS)).toBe(true);
  });

  it.each([
    [{ ...base, streamName: undefined }, 'streamName'],
    [{ ...base, streamArn: 'arn:aws:kinesis:us-east-1:1:stream/s' }, 'streamName'],
    [{ ...base, applicationName: 'bad name' }, 'applicationName'],
    [{ ...base, eachRecord: () => {} }, 'processor'],
    [{ streamName: 's', applicationName: 'app' }, 'processor'],
    [{ ...base, maxRecords: 10_001 }, 'maxRecords'],
    [{ ...base, minGetRecordsIntervalMs: 100 }, 'minGetRecordsIntervalMs'],
    [{ ...base, onProcessorError: 'ignore' }, 'onProcessorError'],
    [{ ...base, initialPosition: 'AT_TIMESTAMP' }, 'initialPosition'],
    [{ ...base, autoCheckpoint: { everyRecords: 0 } }, 'autoCheckpoint.everyRecords'],
  ])('rejects %o naming %s', (options, name) => {
    let error: unknown;
    try {
      resolveKinesisConsumerOptions(options as Parameters<typeof resolveKinesisConsumerOptions>[0]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(name);
  });

  it('treats an explicit undefined as the default', () => {
    expect(resolveKinesisConsumerOptions({ ...base, maxRecords: undefined }).maxRecords).toBe(10_000);
  });
});
