// The consumer's option types catch the mistakes that would otherwise fail only in the constructor. The
// `@ts-expect-error` lines are checked by `tsc -p tsconfig.test.json` (npm test's typecheck:tests): each must be an
// error, or the directive itself is one. The functions holding them are never called.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '@kinesis-kit/commons';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ConsumerRecord,
  type EachRecordContext,
  KinesisConsumer,
  type KinesisConsumerOptions,
  type LeaseOptions,
  type RecordProcessor,
} from '../src/index.js';

const processor = (): RecordProcessor => ({ processRecords: () => {} });
const eachBatch = () => {};
const eachRecord = () => {};

describe('KinesisConsumerOptions (types)', () => {
  it('needs exactly one of processor, eachBatch and eachRecord', () => {
    const app = { streamName: 'orders', applicationName: 'billing' };
    // @ts-expect-error no handler
    const none = () => new KinesisConsumer({ ...app });
    // @ts-expect-error two handlers
    const two = () => new KinesisConsumer({ ...app, processor, eachBatch });
    // @ts-expect-error three handlers
    const three = () => new KinesisConsumer({ ...app, processor, eachBatch, eachRecord });
    const one = [
      () => new KinesisConsumer({ ...app, processor }),
      () => new KinesisConsumer({ ...app, eachBatch }),
      () => new KinesisConsumer({ ...app, eachRecord }),
    ];
    void [none, two, three, one];
  });

  it('needs exactly one of streamName and streamArn', () => {
    const app = { applicationName: 'billing', eachRecord };
    const streamArn = 'arn:aws:kinesis:eu-west-1:1:stream/orders';
    // @ts-expect-error no stream
    const none = () => new KinesisConsumer({ ...app });
    // @ts-expect-error both
    const both = () => new KinesisConsumer({ ...app, streamName: 'orders', streamArn });
    const byArn = () => new KinesisConsumer({ ...app, streamArn });
    void [none, both, byArn];
  });

  it('needs applicationName', () => {
    // @ts-expect-error no applicationName
    const missing = () => new KinesisConsumer({ streamName: 'orders', eachRecord });
    void missing;
  });

  it('types the handlers from the option they are given to', () => {
    const typed = () =>
      new KinesisConsumer({
        streamName: 'orders',
        applicationName: 'billing',
        eachRecord: (record, context) => {
          expectTypeOf(record).toEqualTypeOf<ConsumerRecord>();
          expectTypeOf(context).toEqualTypeOf<EachRecordContext>();
        },
      });
    void typed;
  });

  it('types leaseOptions as the lease settings a consumer may set, and nothing else', () => {
    const app = { streamName: 'orders', applicationName: 'billing', eachRecord };
    const ok = () => new KinesisConsumer({ ...app, leaseOptions: { takingIntervalMs: 500, maxLeasesForWorker: 10 } });
    // @ts-expect-error a misspelt lease option
    const typo = () => new KinesisConsumer({ ...app, leaseOptions: { takingIntervalMillis: 500 } });
    // @ts-expect-error the wrong type
    const wrongType = () => new KinesisConsumer({ ...app, leaseOptions: { gracefulHandoff: 'yes' } });
    // @ts-expect-error the consumer sets the worker id itself (its own `workerId` option)
    const owned = () => new KinesisConsumer({ ...app, leaseOptions: { workerId: 'w1' } });
    expectTypeOf<KinesisConsumerOptions['leaseOptions']>().toEqualTypeOf<LeaseOptions | undefined>();
    void [ok, typo, wrongType, owned];
  });

  it('rejects unknown keys in an object literal, nested ones included', () => {
    const app = { streamName: 'orders', applicationName: 'billing', eachRecord };
    // @ts-expect-error a misspelt option
    const typo = () => new KinesisConsumer({ ...app, maxRecord: 100 });
    // @ts-expect-error a misspelt autoCheckpoint option
    const nested = () => new KinesisConsumer({ ...app, autoCheckpoint: { everyRecord: 100 } });
    // @ts-expect-error a misspelt retrieval option
    const retrieval = () => new KinesisConsumer({ ...app, retrieval: { type: 'fanout', consumerNmae: 'x' } });
    void [typo, nested, retrieval];
  });

  it('types every option, with no any', () => {
    expectTypeOf<KinesisConsumerOptions>().not.toBeAny();
    expectTypeOf<KinesisConsumerOptions['kinesisClient']>().toEqualTypeOf<KinesisClient | undefined>();
    expectTypeOf<KinesisConsumerOptions['dynamoDbClient']>().toEqualTypeOf<DynamoDBClient | undefined>();
    expectTypeOf<KinesisConsumerOptions['logger']>().toEqualTypeOf<Logger | undefined>();
    expectTypeOf<NonNullable<KinesisConsumerOptions['leaseOptions']>>().not.toBeAny();
  });
});
