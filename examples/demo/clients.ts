// Clients for the demo's child processes: local servers (endpoints from the orchestrator) or, with
// DEMO_TARGET=aws, real AWS through the default credential chain and region.
import http from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const env = process.env;
const local = env.DEMO_TARGET !== 'aws';
const localConfig = () => ({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
});

export function kinesisClient(): KinesisClient {
  return local
    ? new KinesisClient({ ...localConfig(), endpoint: env.KINESIS_ENDPOINT as string })
    : new KinesisClient(env.AWS_REGION ? { region: env.AWS_REGION } : {});
}

export function dynamoDbClient(): DynamoDBClient {
  return local
    ? new DynamoDBClient({ ...localConfig(), endpoint: env.DYNAMODB_ENDPOINT as string })
    : new DynamoDBClient(env.AWS_REGION ? { region: env.AWS_REGION } : {});
}

/** One JSON line to the orchestrator. stdout to a pipe is synchronous on Linux, so a kill -9 loses no sent line. */
export function report(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
