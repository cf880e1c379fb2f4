import { createServer } from 'node:net';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { ConfigurationProblem, silentLogger } from '@kinesis-kit/commons';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KinesisProducer, ProducerConfigurationError, RecordRejectedError } from '../src/index.js';

// The real SDK client, misconfigured three ways. No server is needed for the region and credentials cases; the
// endpoint case points at a port nothing listens on, and at a host that does not resolve. Each must fail the first
// put() at once (well inside the default 30 s recordTtlMs) with a typed error naming what to fix.

const CONFIG_ENV = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
] as const;
let saved: Record<string, string | undefined> = {};

beforeEach(() => {
  saved = Object.fromEntries(CONFIG_ENV.map((name) => [name, process.env[name]]));
  for (const name of CONFIG_ENV) delete process.env[name];
  // No profile files, no instance metadata: the SDK's chains find nothing but what each test sets.
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
  process.env.AWS_CONFIG_FILE = '/nonexistent/config';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterEach(() => {
  for (const name of CONFIG_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const FAST_MS = 5_000;

async function firstPut(producer: KinesisProducer): Promise<{ error: unknown; elapsedMs: number }> {
  const startedAt = Date.now();
  const error = await producer.put({ partitionKey: 'k', data: 'x' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsedMs = Date.now() - startedAt;
  await producer.close();
  return { error, elapsedMs };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('a misconfigured producer fails the first put() at once, saying what is wrong', () => {
  it('no region (the default client, nothing in the environment)', async () => {
    // Prepare
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;

    // Act
    const { error, elapsedMs } = await firstPut(new KinesisProducer({ streamName: 'orders', logger: silentLogger() }));

    // Assess
    expect(error).toBeInstanceOf(ProducerConfigurationError);
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect((error as ProducerConfigurationError).problem).toBe(ConfigurationProblem.REGION);
    expect((error as Error).message).toMatch(/region/i);
    expect((error as ProducerConfigurationError).retriable).toBe(false);
    expect(elapsedMs).toBeLessThan(FAST_MS);
  });

  it('no credentials (region set, the SDK provider chain finds none)', async () => {
    // Prepare
    process.env.AWS_REGION = 'us-east-1';

    // Act
    const { error, elapsedMs } = await firstPut(new KinesisProducer({ streamName: 'orders', logger: silentLogger() }));

    // Assess
    expect(error).toBeInstanceOf(ProducerConfigurationError);
    expect((error as ProducerConfigurationError).problem).toBe(ConfigurationProblem.CREDENTIALS);
    expect((error as Error).message).toMatch(/credentials/i);
    expect(elapsedMs).toBeLessThan(FAST_MS);
  });

  it('an endpoint that refuses connections, or whose host does not resolve', async () => {
    for (const endpoint of [`http://127.0.0.1:${await closedPort()}`, 'http://kinesis.no-such-host.invalid']) {
      // Prepare
      const kinesisClient = new KinesisClient({ region: 'us-east-1', credentials, endpoint, maxAttempts: 1 });

      // Act
      const { error, elapsedMs } = await firstPut(
        new KinesisProducer({ streamName: 'orders', kinesisClient, logger: silentLogger() }),
      );
      kinesisClient.destroy();

      // Assess
      expect(error, endpoint).toBeInstanceOf(ProducerConfigurationError);
      expect((error as ProducerConfigurationError).problem, endpoint).toBe(ConfigurationProblem.ENDPOINT);
      expect((error as Error).message, endpoint).toMatch(/endpoint/i);
      expect(elapsedMs, endpoint).toBeLessThan(FAST_MS);
    }
  });

  it('an endpoint that is not a URL', async () => {
    const kinesisClient = new KinesisClient({ region: 'us-east-1', credentials, endpoint: 'not a url' });
    const { error, elapsedMs } = await firstPut(
      new KinesisProducer({ streamName: 'orders', kinesisClient, logger: silentLogger() }),
    );
    expect((error as ProducerConfigurationError).problem).toBe(ConfigurationProblem.ENDPOINT);
    expect(elapsedMs).toBeLessThan(FAST_MS);
  });
});
