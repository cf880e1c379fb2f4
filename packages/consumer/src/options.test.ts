import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { KinesisConsumer } from './KinesisConsumer.js';
import { DEFAULT_KINESIS_CONSUMER_OPTIONS, type KinesisConsumerOptions } from './options.js';
import { resolveKinesisConsumerOptions } from './resolveOptions.js';

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

  it.each([
    [{ maxRecord: 100 }, 'maxRecord', 'maxRecords'],
    [{ failoverTimeMillis: 10_000 }, 'failoverTimeMillis', 'failoverTimeMs'],
    [{ tableName: 'leases' }, 'tableName', undefined],
    [{ autoCheckpoint: { everyRecord: 100 } }, 'autoCheckpoint.everyRecord', 'autoCheckpoint.everyRecords'],
    [{ retrieval: { type: 'fanout', consumerNmae: 'x' } }, 'retrieval.consumerNmae', 'retrieval.consumerName'],
    [
      { leaseOptions: { takingIntervalMillis: 500 } },
      'leaseOptions.takingIntervalMillis',
      'leaseOptions.takingIntervalMs',
    ],
    // Options the consumer sets itself are not lease options of its own.
    [{ leaseOptions: { workerId: 'w1' } }, 'leaseOptions.workerId', undefined],
  ])('rejects the unknown key in %o naming %s, and the closest valid one (%s)', (extra, name, closest) => {
    const options = { ...base, ...extra } as unknown as KinesisConsumerOptions;
    const error = thrownBy(() => new KinesisConsumer(options));
    expect(error.option).toBe(name);
    expect(error.didYouMean).toBe(closest);
    if (closest !== undefined) expect(error.message).toContain(`did you mean \`${closest}\`?`);
  });

  it.each([
    // Each was checked only when start() created the lease table or the coordinator, under another name.
    [{ applicationName: 'ab' }, 'applicationName'],
    [{ leaseTableName: 'ab' }, 'leaseTableName'],
    [{ leaseTableName: 'bad name' }, 'leaseTableName'],
    [{ leaseOptions: { takingIntervalMs: 5 } }, 'leaseOptions.takingIntervalMs'],
    [{ leaseOptions: { renewalIntervalMs: 10_000 } }, 'leaseOptions.renewalIntervalMs'],
    [{ leaseOptions: { gracefulHandoff: 'yes' } }, 'leaseOptions.gracefulHandoff'],
    [{ applicationName: 'a'.repeat(129), retrieval: { type: 'fanout' } }, 'applicationName'],
  ])('the constructor rejects %o naming %s, before any AWS call', (extra, name) => {
    const options = { ...base, ...extra } as unknown as KinesisConsumerOptions;
    expect(thrownBy(() => new KinesisConsumer(options)).option).toBe(name);
  });

  it('accepts a short applicationName when leaseTableName names the table, and passes lease options on', () => {
    const o = resolveKinesisConsumerOptions({ ...base, applicationName: 'ab', leaseTableName: 'ab-leases' });
    expect(o.leaseTableName).toBe('ab-leases');
    const lease = resolveKinesisConsumerOptions({
      ...base,
      failoverTimeMs: 4_000,
      leaseOptions: { takingIntervalMs: 500 },
    });
    expect(lease.leaseOptions).toMatchObject({
      takingIntervalMs: 500,
      renewalIntervalMs: 2_000,
      gracefulHandoff: true,
    });
  });
});

function thrownBy(run: () => unknown): InvalidOptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('did not throw');
}
