import { describe, expect, it } from 'vitest';
import { deaggregate } from './deaggregate.js';
import { deaggregateAll } from './deaggregateAll.js';
import { RecordAggregator } from './RecordAggregator.js';

const plain = { partitionKey: 'k', data: new Uint8Array([1, 2, 3]), sequenceNumber: '1' };

describe('unknown options', () => {
  it('RecordAggregator names the closest valid option', () => {
    expect(() => new RecordAggregator({ maxByte: 1_000 } as never)).toThrow(
      'Unknown option `maxByte`: did you mean `maxBytes`?',
    );
  });

  it('deaggregate() and deaggregateAll() name the closest valid option', () => {
    expect(() => deaggregate(plain, { computeChecksums: false } as never)).toThrow(
      'Unknown option `computeChecksums`: did you mean `computeChecksum`?',
    );
    expect(() => deaggregateAll([plain], { strictMode: true } as never)).toThrow('Unknown option `strictMode`');
  });

  it('an options object is checked once, and the default needs no check', () => {
    const options = { computeChecksum: false };
    expect(deaggregate(plain, options).records).toHaveLength(1);
    expect(deaggregate(plain, options).records).toHaveLength(1);
    expect(deaggregate(plain).records).toHaveLength(1);
  });
});
