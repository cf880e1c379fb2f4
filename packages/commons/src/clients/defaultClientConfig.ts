import http from 'node:http';
import https from 'node:https';

/**
 * The AWS SDK's HTTP/1.1 request handler class, `NodeHttpHandler` from `@smithy/node-http-handler`, described by
 * what is passed to it: this package does not depend on the SDK, the packages that make clients pass the class in.
 */
export type Http1HandlerClass<Handler> = new (options: { httpAgent: http.Agent; httpsAgent: https.Agent }) => Handler;

/** Options of {@link defaultClientConfig}. */
export interface DefaultClientConfigOptions {
  /** Connections open at once per host, busy or idle. @default Infinity (as many as calls in flight) */
  maxSockets?: number;
  /** Attempts per call, for a component that retries on its own. @default the SDK's (3, or `AWS_MAX_ATTEMPTS`) */
  maxAttempts?: number;
}

/** What {@link defaultClientConfig} returns: the part of an SDK client's config kinesis-kit sets. */
export interface DefaultClientConfig<Handler> {
  requestHandler: Handler;
  maxAttempts?: number;
}

/**
 * The config of every AWS SDK client kinesis-kit creates when none is given (the producer's and the consumer's
 * Kinesis client, the consumer's DynamoDB client): unary calls over HTTP/1.1 with keep-alive connections. The SDK's
 * own default for Kinesis is HTTP/2 with a new session, TCP and TLS handshake included, for every call
 * (`disableConcurrentStreams`), which local servers also break (kinesis-local resets streams on the early GOAWAY).
 * Only `SubscribeToShard` (enhanced fan-out) needs HTTP/2, and gets a client of its own.
 *
 * Nothing else is set, so region, credentials and endpoint come from the environment exactly as for
 * `new KinesisClient({})`: `AWS_REGION`, `AWS_PROFILE` and the shared config and credentials files,
 * `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_KINESIS`, `AWS_ENDPOINT_URL_DYNAMODB`, container and instance roles.
 * Idle keep-alive sockets never hold the process open.
 *
 * @example new KinesisClient(defaultClientConfig(NodeHttpHandler, { maxSockets: 24, maxAttempts: 1 }))
 */
export function defaultClientConfig<Handler>(
  Handler: Http1HandlerClass<Handler>,
  options: DefaultClientConfigOptions = {},
): DefaultClientConfig<Handler> {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? Number.POSITIVE_INFINITY };
  const requestHandler = new Handler({
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent(agentOptions),
  });
  return options.maxAttempts === undefined ? { requestHandler } : { requestHandler, maxAttempts: options.maxAttempts };
}
