import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { resolveRetrievalOption } from '../fetch/fanOut/retrievalOptions.js';
import { consumerClients } from './consumerClients.js';

const handlerOf = (client: { config: { requestHandler: unknown } }) => client.config.requestHandler;
const fanOut = resolveRetrievalOption({ type: 'fanout' }, 'app');

describe('consumerClients', () => {
  it('defaults: HTTP/1.1 keep-alive for Kinesis and DynamoDB; all owned by the consumer', () => {
    const clients = consumerClients({ kinesisClient: undefined, dynamoDbClient: undefined, retrieval: 'polling' });
    expect(handlerOf(clients.kinesis)).toBeInstanceOf(NodeHttpHandler);
    expect(handlerOf(clients.dynamoDb)).toBeInstanceOf(NodeHttpHandler);
    expect(clients.subscribe).toBeUndefined();
    expect(clients.owned).toEqual([clients.kinesis, clients.dynamoDb]);
    for (const client of clients.owned) client.destroy();
  });

  it('enhanced fan-out by default: SubscribeToShard on a stock (HTTP/2) client of its own', () => {
    const clients = consumerClients({ kinesisClient: undefined, dynamoDbClient: undefined, retrieval: fanOut });
    expect(clients.subscribe).not.toBe(clients.kinesis);
    expect(handlerOf(clients.subscribe as KinesisClient)).toBeInstanceOf(NodeHttp2Handler);
    expect(clients.owned).toHaveLength(3);
    for (const client of clients.owned) client.destroy();
  });

  it('given clients are used as they are, and never destroyed by the consumer', () => {
    const kinesisClient = new KinesisClient({ region: 'eu-west-1' });
    const dynamoDbClient = new DynamoDBClient({ region: 'eu-west-1' });
    const subscribeClient = new KinesisClient({ region: 'eu-west-1' });
    const given = consumerClients({ kinesisClient, dynamoDbClient, retrieval: fanOut });
    expect(given).toEqual({ kinesis: kinesisClient, dynamoDb: dynamoDbClient, subscribe: kinesisClient, owned: [] });
    const own = consumerClients({
      kinesisClient,
      dynamoDbClient,
      retrieval: resolveRetrievalOption({ type: 'fanout', kinesisClient: subscribeClient }, 'app'),
    });
    expect(own.subscribe).toBe(subscribeClient);
    for (const client of [kinesisClient, dynamoDbClient, subscribeClient]) client.destroy();
  });
});
