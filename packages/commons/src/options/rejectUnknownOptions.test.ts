import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.js';
import { rejectUnknownOptions } from './rejectUnknownOptions.js';

const known = ['streamName', 'streamArn', 'maxConnections', 'recordTtlMs'] as const;

function thrown(run: () => void): InvalidOptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('rejectUnknownOptions', () => {
  it('accepts known keys, including ones set to undefined', () => {
    expect(() => rejectUnknownOptions({ streamName: 's', maxConnections: undefined }, known)).not.toThrow();
    expect(() => rejectUnknownOptions({}, known)).not.toThrow();
  });

  it('rejects an unknown key with InvalidOptionError naming the closest valid one', () => {
    const error = thrown(() => rejectUnknownOptions({ streamName: 's', maxConnectionz: 4 }, known));
    expect(error.option).toBe('maxConnectionz');
    expect(error.didYouMean).toBe('maxConnections');
    expect(error.message).toBe('Unknown option `maxConnectionz`: did you mean `maxConnections`?');
  });

  it('lists the valid keys when none is close', () => {
    const error = thrown(() => rejectUnknownOptions({ region: 'eu-west-1' }, known));
    expect(error.didYouMean).toBeUndefined();
    expect(error.message).toBe(
      'Unknown option `region`; the options are `streamName`, `streamArn`, `maxConnections`, `recordTtlMs`',
    );
  });

  it('names nested options by their path', () => {
    const error = thrown(() =>
      rejectUnknownOptions({ everyRecord: 10 }, ['everyRecords', 'everyMs'], 'autoCheckpoint'),
    );
    expect(error.option).toBe('autoCheckpoint.everyRecord');
    expect(error.message).toBe(
      'Unknown option `autoCheckpoint.everyRecord`: did you mean `autoCheckpoint.everyRecords`?',
    );
  });

  it('ignores inherited and symbol keys: only own enumerable string keys are options', () => {
    const options = Object.assign(Object.create({ inherited: 1 }), { streamName: 's', [Symbol('tag')]: 1 });
    expect(() => rejectUnknownOptions(options, known)).not.toThrow();
  });

  it('rejects what is not an options object', () => {
    expect(thrown(() => rejectUnknownOptions(null, known)).option).toBe('options');
    expect(thrown(() => rejectUnknownOptions('streamName', known, 'retrieval')).option).toBe('retrieval');
    expect(thrown(() => rejectUnknownOptions([], known)).option).toBe('options');
  });
});
