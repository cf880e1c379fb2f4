import { rejectUnknownOptions } from '@kinesis-kit/commons';
import {
  DEFAULT_LOCAL_DYNAMODB_OPTIONS,
  type LocalDynamoDB,
  type LocalDynamoDBOptions,
  startLocalDynamoDB,
} from './startLocalDynamoDB.js';
import {
  LOCAL_KINESIS_OPTION_KEYS,
  type LocalKinesis,
  type LocalKinesisOptions,
  startLocalKinesis,
} from './startLocalKinesis.js';

export interface LocalAwsOptions {
  kinesis?: LocalKinesisOptions;
  dynamoDb?: LocalDynamoDBOptions;
}

const LOCAL_AWS_OPTION_KEYS = Object.keys({ kinesis: true, dynamoDb: true } satisfies Record<
  keyof LocalAwsOptions,
  true
>);

/** Both local servers: what a consumer (Kinesis + a DynamoDB lease table) needs. */
export interface LocalAws {
  readonly kinesis: LocalKinesis;
  readonly dynamoDb: LocalDynamoDB;
  /** Stops both servers. */
  stop(): Promise<void>;
}

/** Starts a local Kinesis and a local DynamoDB side by side. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  rejectUnknownOptions(options, LOCAL_AWS_OPTION_KEYS);
  // Checked here too, so the error names the nested option (`kinesis.createStreamDelay`).
  if (options.kinesis !== undefined) rejectUnknownOptions(options.kinesis, LOCAL_KINESIS_OPTION_KEYS, 'kinesis');
  if (options.dynamoDb !== undefined)
    rejectUnknownOptions(options.dynamoDb, Object.keys(DEFAULT_LOCAL_DYNAMODB_OPTIONS), 'dynamoDb');
  const [kinesis, dynamoDb] = await Promise.allSettled([
    startLocalKinesis(options.kinesis),
    startLocalDynamoDB(options.dynamoDb),
  ]);
  if (kinesis.status === 'rejected' || dynamoDb.status === 'rejected') {
    if (kinesis.status === 'fulfilled') await kinesis.value.stop();
    if (dynamoDb.status === 'fulfilled') await dynamoDb.value.stop();
    throw kinesis.status === 'rejected' ? kinesis.reason : (dynamoDb as PromiseRejectedResult).reason;
  }
  return {
    kinesis: kinesis.value,
    dynamoDb: dynamoDb.value,
    async stop() {
      await Promise.all([kinesis.value.stop(), dynamoDb.value.stop()]);
    },
  };
}
