import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FANOUT_RETRIEVAL_OPTIONS, resolveRetrievalOption } from './retrievalOptions.js';

describe('resolveRetrievalOption', () => {
  it('defaults to polling', () => {
    expect(resolveRetrievalOption(undefined, 'app')).toBe('polling');
    expect(resolveRetrievalOption('polling', 'app')).toBe('polling');
  });

  it('fills fan-out defaults; the consumer name defaults to the application name', () => {
    expect(resolveRetrievalOption({ type: 'fanout' }, 'orders-app')).toEqual({
      type: 'fanout',
      consumerName: 'orders-app',
      consumerArn: undefined,
      kinesisClient: undefined,
      ...DEFAULT_FANOUT_RETRIEVAL_OPTIONS,
    });
    expect(
      resolveRetrievalOption({ type: 'fanout', consumerName: 'other', shardEndCheckIntervalMs: 0 }, 'app'),
    ).toMatchObject({ consumerName: 'other', shardEndCheckIntervalMs: 0 });
  });

  it.each([
    ['fanout', 'retrieval'],
    [{ type: 'push' }, 'retrieval'],
    [{ type: 'fanout', consumerName: 'has space' }, 'retrieval.consumerName'],
    [{ type: 'fanout', consumerArn: 'not-an-arn' }, 'retrieval.consumerArn'],
    [{ type: 'fanout', heartbeatTimeoutMs: 10 }, 'retrieval.heartbeatTimeoutMs'],
    [{ type: 'fanout', shardEndCheckIntervalMs: -1 }, 'retrieval.shardEndCheckIntervalMs'],
    [{ type: 'fanout', registrationTimeoutMs: 1.5 }, 'retrieval.registrationTimeoutMs'],
  ])('rejects %j naming %s', (value, option) => {
    expect(() => resolveRetrievalOption(value as never, 'app')).toThrow(InvalidOptionError);
    expect(() => resolveRetrievalOption(value as never, 'app')).toThrow(option);
  });
});
