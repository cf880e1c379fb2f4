import { type LocalDynamoDB, type LocalDynamoDBOptions, startLocalDynamoDB } from './startLocalDynamoDB.js';
import { type LocalKinesis, type LocalKinesisOptions, startLocalKinesis } from './startLocalKinesis.js';

export interface LocalAwsOptions {
  kinesis?: LocalKinesisOptions;
  dynamoDb?: LocalDynamoDBOptions;
}

/** Both local servers: what a consumer (Kinesis + a DynamoDB lease table) needs. */
export interface LocalAws {
  readonly kinesis: LocalKinesis;
  readonly dynamoDb: LocalDynamoDB;
  /** Stops both servers. */
  stop(): Promise<void>;
}

/** Starts a local Kinesis and a local DynamoDB side by side. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
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
