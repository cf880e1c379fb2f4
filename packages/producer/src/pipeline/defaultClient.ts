import http from 'node:http';
import https from 'node:https';
import { type KinesisClient, KinesisClient as SdkKinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * The client made when none is given: our retrier owns retries (`maxAttempts: 1`), and HTTP/1.1 keep-alive
 * connections, `maxConnections` of them, as the KPL's `MaxConnections` (the SDK's default for Kinesis is HTTP/2 with
 * a fresh session per call). Idle keep-alive sockets are unref'd by Node, so they never hold a process open.
 */
export function defaultClient(maxConnections: number): KinesisClient {
  const agentOptions = { keepAlive: true, maxSockets: maxConnections };
  return new SdkKinesisClient({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    }),
  });
}
