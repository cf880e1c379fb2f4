import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { defaultClientConfig } from '@kinesis-kit/commons';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ResolvedRetrieval } from '../fetch/fanOut/retrievalOptions.js';

/** The SDK clients one consumer works with. */
export interface ConsumerClients {
  /** Every Kinesis call but `SubscribeToShard`. */
  kinesis: KinesisClient;
  /** The lease table. */
  dynamoDb: DynamoDBClient;
  /** `SubscribeToShard` (enhanced fan-out only). */
  subscribe: KinesisClient | undefined;
  /** The clients made here (not given in the options): the consumer destroys them when it stops. */
  owned: readonly { destroy(): void }[];
}

/**
 * The consumer's clients: the ones given in the options, else kinesis-kit's defaults, which take region,
 * credentials and endpoints from the environment (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_KINESIS`, …).
 * Unary calls go over HTTP/1.1 keep-alive (`defaultClientConfig`); `SubscribeToShard` needs HTTP/2, so with
 * enhanced fan-out and no client given it gets a stock `KinesisClient` of its own.
 */
export function consumerClients(options: {
  kinesisClient: KinesisClient | undefined;
  dynamoDbClient: DynamoDBClient | undefined;
  retrieval: ResolvedRetrieval;
}): ConsumerClients {
  const owned: { destroy(): void }[] = [];
  const made = <C extends { destroy(): void }>(client: C): C => {
    owned.push(client);
    return client;
  };
  const kinesis = options.kinesisClient ?? made(new KinesisClient(defaultClientConfig(NodeHttpHandler)));
  const dynamoDb = options.dynamoDbClient ?? made(new DynamoDBClient(defaultClientConfig(NodeHttpHandler)));
  const retrieval = options.retrieval;
  const subscribe =
    retrieval === 'polling'
      ? undefined
      : (retrieval.kinesisClient ?? options.kinesisClient ?? made(new KinesisClient({})));
  return { kinesis, dynamoDb, subscribe, owned };
}
