// The README producer and consumer with no client passed in, configured only the ways the AWS SDK documents: a
// shared config profile (AWS_PROFILE, with the endpoints in a `services` section), AWS_ENDPOINT_URL for every
// service, AWS_REGION and keys in the environment. (The packaging test runs both with AWS_ENDPOINT_URL_KINESIS and
// AWS_ENDPOINT_URL_DYNAMODB, from the packed tarballs.) Child processes run the built packages, as a user would.
// A proxy in front of each local server notes every connection's protocol: unary calls must be HTTP/1.1 — the
// SDK's default Kinesis client is HTTP/2 with a new session per call, which kinesis-local breaks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAws, startLocalAws, testBudgetMs } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLines, type WatchedChild, watchChild } from './fixtures/childProcess.js';
import { type ProtocolProxy, startProtocolProxy } from './fixtures/protocolProxy.js';

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(tmpdir(), 'kinesis-kit-env-'));
let aws: LocalAws;
let kinesis: ProtocolProxy;
let dynamoDb: ProtocolProxy;

beforeAll(async () => {
  aws = await startLocalAws();
  [kinesis, dynamoDb] = await Promise.all([
    startProtocolProxy(aws.kinesis.port),
    startProtocolProxy(aws.dynamoDb.port),
    aws.kinesis.createStream('orders', 2),
  ]);
});

afterAll(async () => {
  await Promise.all([kinesis?.close(), dynamoDb?.close()]);
  await aws?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The parent's environment without any AWS setting, so only what a test sets configures the SDK. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

function runExample(file: string, env: NodeJS.ProcessEnv): WatchedChild {
  return watchChild(process.execPath, ['--import', 'tsx', file], { cwd: root, env });
}

describe('default clients, configured by the environment', () => {
  it(
    'the README producer: AWS_ENDPOINT_URL for every service, AWS_REGION and keys in the environment',
    async () => {
      const run = runExample(
        'examples/producer-quickstart.ts',
        cleanEnv({
          AWS_ENDPOINT_URL: kinesis.endpoint,
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        }),
      );
      const code = await run.exit;
      expect(code, run.output()).toBe(0);
      expect(run.output()).toMatch(/stored in shardId-\d+ at \d+/);
      expect(kinesis.protocols.length).toBeGreaterThan(0);
      expect(new Set(kinesis.protocols), 'protocols of the producer’s connections').toEqual(new Set(['http/1.1']));
    },
    testBudgetMs(60_000),
  );

  it(
    'the README consumer: a profile (AWS_PROFILE) with region, keys and both endpoints in its config files',
    async () => {
      const before = { kinesis: kinesis.protocols.length, dynamoDb: dynamoDb.protocols.length };
      const config = path.join(work, 'config');
      const credentials = path.join(work, 'credentials');
      writeFileSync(
        config,
        [
          '[profile kinesis-kit-local]',
          `region = ${LOCAL_REGION}`,
          'services = kinesis-kit-local-endpoints',
          '',
          '[services kinesis-kit-local-endpoints]',
          'kinesis =',
          `  endpoint_url = ${kinesis.endpoint}`,
          'dynamodb =',
          `  endpoint_url = ${dynamoDb.endpoint}`,
          '',
        ].join('\n'),
      );
      writeFileSync(
        credentials,
        [
          '[kinesis-kit-local]',
          `aws_access_key_id = ${LOCAL_CREDENTIALS.accessKeyId}`,
          `aws_secret_access_key = ${LOCAL_CREDENTIALS.secretAccessKey}`,
          '',
        ].join('\n'),
      );
      const run = runExample(
        'examples/consumer-quickstart.ts',
        cleanEnv({
          AWS_PROFILE: 'kinesis-kit-local',
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: credentials,
        }),
      );
      try {
        // The producer test put 1,001 records: the consumer prints one line per record.
        await run.until((stdout) => recordLines(stdout) >= 1_001);
      } finally {
        run.child.kill('SIGTERM'); // the quickstart stops the consumer (leases handed over) and exits 0
      }
      expect(await run.exit, run.output()).toBe(0);
      const used = {
        kinesis: kinesis.protocols.slice(before.kinesis),
        dynamoDb: dynamoDb.protocols.slice(before.dynamoDb),
      };
      expect(used.kinesis.length).toBeGreaterThan(0);
      expect(used.dynamoDb.length).toBeGreaterThan(0);
      expect(new Set([...used.kinesis, ...used.dynamoDb]), 'protocols of the consumer’s connections').toEqual(
        new Set(['http/1.1']),
      );
    },
    testBudgetMs(90_000),
  );
});
