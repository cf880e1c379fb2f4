// The producer's option types catch the mistakes that would otherwise fail only at run time. The `@ts-expect-error`
// lines are checked by `tsc -p tsconfig.test.json` (npm test's typecheck:tests): each must be an error, or the
// directive itself is one. The functions holding them are never called.
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expectTypeOf, it } from 'vitest';
import { KinesisProducer, type ProducerOptions } from '../src/index.js';

describe('ProducerOptions (types)', () => {
  it('needs exactly one of streamName and streamArn', () => {
    // @ts-expect-error neither
    const neither = () => new KinesisProducer({});
    // @ts-expect-error neither, with other options
    const onlySettings = () => new KinesisProducer({ maxConnections: 4 });
    const arn = 'arn:aws:kinesis:eu-west-1:1:stream/orders';
    // @ts-expect-error both
    const both = () => new KinesisProducer({ streamName: 'orders', streamArn: arn });
    // @ts-expect-error the ARN is spelt streamArn
    const misspelt = () => new KinesisProducer({ streamARN: 'arn:aws:kinesis:eu-west-1:1:stream/orders' });
    const byName = () => new KinesisProducer({ streamName: 'orders' });
    const byArn = () => new KinesisProducer({ streamArn: 'arn:aws:kinesis:eu-west-1:1:stream/orders' });
    expectTypeOf(byName).returns.toEqualTypeOf<KinesisProducer>();
    expectTypeOf(byArn).returns.toEqualTypeOf<KinesisProducer>();
    void [neither, onlySettings, both, misspelt];
  });

  it('rejects unknown keys and values of the wrong type in an object literal', () => {
    // @ts-expect-error a misspelt option
    const typo = () => new KinesisProducer({ streamName: 'orders', maxConnectionz: 4 });
    // @ts-expect-error a string where a number goes
    const wrongType = () => new KinesisProducer({ streamName: 'orders', maxConnections: '4' });
    void [typo, wrongType];
  });

  it('types every option, with no any', () => {
    expectTypeOf<ProducerOptions['kinesisClient']>().toEqualTypeOf<KinesisClient | undefined>();
    expectTypeOf<ProducerOptions['maxConnections']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ProducerOptions>().not.toBeAny();
  });
});
