import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { cloudWatchSink } from './cloudWatchSink.js';

describe('cloudWatchSink options', () => {
  it('an unknown key is refused, naming the closest valid one', () => {
    const client = { send: async () => ({}) } as unknown as CloudWatchClient;
    expect(() => cloudWatchSink({ client, uploadInterval: 1_000 } as never)).toThrow(
      'Unknown option `uploadInterval`: did you mean `uploadIntervalMs`?',
    );
  });
});
