import { KinesisClient } from '@aws-sdk/client-kinesis';
import { defaultClientConfig } from '@kinesis-kit/commons';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * The client made when none is given: kinesis-kit's default client config (HTTP/1.1 keep-alive; region,
 * credentials and endpoint from the environment), `maxConnections` connections as the KPL's `MaxConnections`,
 * and `maxAttempts: 1` because the producer's retrier owns retries.
 */
export function defaultClient(maxConnections: number): KinesisClient {
  return new KinesisClient(defaultClientConfig(NodeHttpHandler, { maxSockets: maxConnections, maxAttempts: 1 }));
}
