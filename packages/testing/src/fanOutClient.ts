import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler } from '@smithy/node-http-handler';

type HandleArgs = Parameters<NodeHttp2Handler['handle']>;

/**
 * A Kinesis client whose `SubscribeToShard` works against kinesis-local. The SDK gives every event stream its
 * own HTTP/2 session and sends GOAWAY as soon as response headers arrive; kinesis-local then resets the stream
 * (LOCAL-SERVERS.md fact 10). Treating event streams like unary calls keeps them on a pooled session with no
 * early GOAWAY. Against real AWS the stock handler is right: the library itself never uses this.
 */
export function createFanOutKinesisClient(config: KinesisClientConfig): KinesisClient {
  const handler = new NodeHttp2Handler({ requestTimeout: 0, sessionTimeout: 600_000 });
  const handle = handler.handle.bind(handler);
  handler.handle = (request: HandleArgs[0], options: HandleArgs[1] = {}) =>
    handle(request, { ...options, isEventStream: false } as HandleArgs[1]);
  return new KinesisClient({ ...config, requestHandler: handler });
}
