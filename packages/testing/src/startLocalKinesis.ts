import http from 'node:http';
import path from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  type KinesisClientConfig,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis';
import { InvalidOptionError, rejectUnknownOptions } from '@kinesis-kit/commons';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';
import { ServerStartError } from './errors.js';
import { createFanOutKinesisClient } from './fanOutClient.js';
import { ChildServer } from './internal/childServer.js';
import { freePort, isPortFree } from './internal/ports.js';
import { packageDir } from './internal/resolvePackage.js';
import { waitFor } from './internal/waitFor.js';
import { type PauseCycle, parsePauseCycle, SLOW_SERVER_ENV } from './slowdown.js';

/** Which local Kinesis implementation to run. */
export const KinesisEngine = {
  /** kinesis-mock compiled to JS: faithful (resharding, ChildShards, EFO, ShardFilter), ~1,000 records/s. */
  KINESIS_LOCAL: 'kinesis-local',
  /** ~18× faster, far less faithful (no ChildShards, EFO, UpdateShardCount, ShardFilter): volume benchmarks only. */
  KINESALITE: 'kinesalite',
} as const;
export type KinesisEngine = (typeof KinesisEngine)[keyof typeof KinesisEngine];

export interface LocalKinesisOptions {
  /** @default 'kinesis-local' */
  engine?: KinesisEngine;
  /** Delay before a created stream is ACTIVE (and before a deleted one is gone). @default 0 */
  createStreamDelayMs?: number;
  /** How long a stream stays UPDATING after SplitShard / MergeShards / UpdateShardCount (kinesis-local). @default 0 */
  reshardDelayMs?: number;
  /** Delay before a registered stream consumer is ACTIVE or a deregistered one gone (kinesis-local). @default 0 */
  consumerDelayMs?: number;
  /** Maximum shards in the (fake) account. @default 200 */
  shardLimit?: number;
  /** Give up starting after this long. @default 30_000 */
  startTimeoutMs?: number;
  /** The port on 127.0.0.1 to listen on; `0` takes a free one. @default 0 */
  port?: number;
  /** Extra environment for kinesis-local (its own variable names, e.g. `{ LOG_LEVEL: 'INFO' }`). */
  env?: Record<string, string>;
  /**
   * A server slow on purpose, repeatably (to check that tests do not depend on its speed): once started, it runs
   * `runningMs`, is stopped (SIGSTOP) for `pausedMs`, and so on until `stop()`. Not on Windows.
   * @default from the environment variable `KINESIS_KIT_SLOW_SERVER="<pausedMs>/<runningMs>"`, else none
   */
  slowdown?: PauseCycle | undefined;
}

export const DEFAULT_LOCAL_KINESIS_OPTIONS: Readonly<Required<Omit<LocalKinesisOptions, 'env' | 'slowdown'>>> =
  Object.freeze({
    engine: KinesisEngine.KINESIS_LOCAL,
    createStreamDelayMs: 0,
    reshardDelayMs: 0,
    consumerDelayMs: 0,
    shardLimit: 200,
    startTimeoutMs: 30_000,
    port: 0,
  });

/** @internal the option names, for the unknown-key checks here and in startLocalAws(). */
export const LOCAL_KINESIS_OPTION_KEYS = Object.keys({
  engine: true,
  createStreamDelayMs: true,
  reshardDelayMs: true,
  consumerDelayMs: true,
  shardLimit: true,
  startTimeoutMs: true,
  port: true,
  env: true,
  slowdown: true,
} satisfies Record<keyof LocalKinesisOptions, true>);

export interface CreatedStream {
  streamName: string;
  streamArn: string;
}

/** A running local Kinesis server. */
export interface LocalKinesis {
  readonly engine: KinesisEngine;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly credentials: typeof LOCAL_CREDENTIALS;
  /** The server's process id. */
  readonly pid: number | undefined;
  /** A ready client (HTTP/1.1, dummy credentials). Shared: build your own with `createKinesisClient` to add middleware. */
  readonly kinesisClient: KinesisClient;
  /** A new client for this server; `overrides` are merged into the config. Destroyed by `stop()`. */
  createKinesisClient(overrides?: Partial<KinesisClientConfig>): KinesisClient;
  /**
   * A client for `SubscribeToShard` (enhanced fan-out) against kinesis-local, which breaks HTTP/2 streams on an
   * early GOAWAY: see docs/testing.md. Always abort subscriptions you are done with.
   */
  createFanOutKinesisClient(overrides?: Partial<KinesisClientConfig>): KinesisClient;
  /** Creates a provisioned stream and waits until it is ACTIVE. */
  createStream(streamName: string, shardCount: number): Promise<CreatedStream>;
  /** Waits until the stream is ACTIVE (after a reshard, say). */
  waitForStreamActive(streamName: string, timeoutMs?: number): Promise<void>;
  /** What the server printed (last 64 KiB). */
  output(): string;
  /** Stops the server and every client made here; resolves when the process is gone. */
  stop(): Promise<void>;
}

/** Starts kinesis-local (or kinesalite) as a child process on a free loopback port, ready to answer API calls. */
export async function startLocalKinesis(options: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  rejectUnknownOptions(options, LOCAL_KINESIS_OPTION_KEYS);
  const resolved = { ...DEFAULT_LOCAL_KINESIS_OPTIONS, ...options };
  for (const key of [
    'createStreamDelayMs',
    'reshardDelayMs',
    'consumerDelayMs',
    'shardLimit',
    'startTimeoutMs',
    'port',
  ] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 0) throw new InvalidOptionError(key, 'a non-negative integer', value);
  }
  const slowdown = options.slowdown ?? parsePauseCycle(process.env[SLOW_SERVER_ENV]);
  if (slowdown !== undefined) {
    const { pausedMs, runningMs } = slowdown;
    if (!Number.isInteger(pausedMs) || pausedMs < 0 || !Number.isInteger(runningMs) || runningMs < 1) {
      throw new InvalidOptionError('slowdown', '{ pausedMs ≥ 0, runningMs ≥ 1 } (integers)', slowdown);
    }
  }
  if (resolved.engine !== 'kinesis-local' && resolved.engine !== 'kinesalite') {
    throw new InvalidOptionError('engine', "'kinesis-local' or 'kinesalite'", resolved.engine);
  }
  if (resolved.port > 65_535) throw new InvalidOptionError('port', 'a port number (0 for a free one)', resolved.port);
  if (resolved.port !== 0 && !(await isPortFree(resolved.port)))
    throw new ServerStartError(resolved.engine, `port ${resolved.port} is in use`, '');
  const port = resolved.port === 0 ? await freePort() : resolved.port;
  const server =
    resolved.engine === 'kinesis-local' ? await spawnKinesisLocal(port, resolved) : spawnKinesalite(port, resolved);
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: KinesisClient[] = [];
  const createKinesisClient = (overrides: Partial<KinesisClientConfig> = {}) => {
    const client = new KinesisClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: { ...LOCAL_CREDENTIALS },
      requestHandler: new NodeHttpHandler({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
        requestTimeout: 60_000,
      }),
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  const kinesisClient = createKinesisClient();

  const ready = await waitFor(
    async () => {
      try {
        await kinesisClient.send(new ListStreamsCommand({}));
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: resolved.startTimeoutMs, abortIf: () => server.exit !== undefined },
  );
  if (!ready) {
    const reason =
      server.exit !== undefined
        ? `exited early (${JSON.stringify(server.exit)})`
        : `not ready in ${resolved.startTimeoutMs} ms`;
    for (const client of clients) client.destroy();
    await server.stop();
    throw new ServerStartError(resolved.engine, reason, server.output);
  }

  // Slowed only once up: a slow start would just trip startTimeoutMs.
  if (slowdown !== undefined && slowdown.pausedMs > 0) server.slowDown(slowdown);

  const waitForStreamActive = async (streamName: string, timeoutMs = 30_000) => {
    const active = await waitFor(
      async () => {
        const { StreamDescriptionSummary } = await kinesisClient.send(
          new DescribeStreamSummaryCommand({ StreamName: streamName }),
        );
        return StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
      },
      { timeoutMs, intervalMs: 20 },
    );
    if (!active) throw new Error(`stream ${streamName} not ACTIVE after ${timeoutMs} ms`);
  };

  return {
    engine: resolved.engine,
    endpoint,
    port,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    pid: server.pid,
    kinesisClient,
    createKinesisClient,
    createFanOutKinesisClient(overrides = {}) {
      const client = createFanOutKinesisClient({
        endpoint,
        region: LOCAL_REGION,
        credentials: { ...LOCAL_CREDENTIALS },
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async createStream(streamName, shardCount) {
      await kinesisClient.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
      await waitForStreamActive(streamName);
      const { StreamDescriptionSummary } = await kinesisClient.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      return { streamName, streamArn: StreamDescriptionSummary?.StreamARN ?? '' };
    },
    waitForStreamActive,
    output: () => server.output,
    async stop() {
      for (const client of clients) client.destroy();
      await server.stop();
    },
  };
}

async function spawnKinesisLocal(
  plainPort: number,
  options: Required<Omit<LocalKinesisOptions, 'env' | 'slowdown'>> & LocalKinesisOptions,
) {
  const dir = packageDir('kinesis-local');
  const ms = (value: number) => `${value}ms`;
  // kinesis-mock opens its TLS port whatever we do (default 4567), so it gets a free one too.
  const tlsPort = await freePort();
  return new ChildServer(path.join(dir, 'main.js'), [], {
    // A clean environment: kinesis-mock also reads AWS_REGION / AWS_ACCOUNT_ID and persistence settings.
    PATH: process.env.PATH ?? '',
    KINESIS_MOCK_PLAIN_PORT: String(plainPort),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
    LOAD_DATA_IF_EXISTS: 'false',
    SHOULD_PERSIST_DATA: 'false',
    LOG_LEVEL: 'ERROR',
    CATS_EFFECT_SHUTDOWN_HOOK_TIMEOUT: '0s',
    SHARD_LIMIT: String(options.shardLimit),
    CREATE_STREAM_DURATION: ms(options.createStreamDelayMs),
    DELETE_STREAM_DURATION: ms(options.createStreamDelayMs),
    SPLIT_SHARD_DURATION: ms(options.reshardDelayMs),
    MERGE_SHARDS_DURATION: ms(options.reshardDelayMs),
    UPDATE_SHARD_COUNT_DURATION: ms(options.reshardDelayMs),
    UPDATE_STREAM_MODE_DURATION: ms(options.reshardDelayMs),
    REGISTER_STREAM_CONSUMER_DURATION: ms(options.consumerDelayMs),
    // kinesis-local 0.6.2 shuffles three names: this one sets the *deregister-consumer* delay.
    START_STREAM_ENCRYPTION_DURATION: ms(options.consumerDelayMs),
    ...options.env,
  });
}

function spawnKinesalite(port: number, options: Required<Omit<LocalKinesisOptions, 'env' | 'slowdown'>>) {
  const dir = packageDir('kinesalite');
  return new ChildServer(
    path.join(dir, 'cli.js'),
    [
      '--port',
      String(port),
      '--createStreamMs',
      String(options.createStreamDelayMs),
      '--deleteStreamMs',
      String(options.createStreamDelayMs),
      '--updateStreamMs',
      String(options.reshardDelayMs),
      '--shardLimit',
      String(options.shardLimit),
    ],
    { PATH: process.env.PATH ?? '' },
  );
}
