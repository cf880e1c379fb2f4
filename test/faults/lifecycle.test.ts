// Two bugs the process scenario found: a process whose main module only does `await consumer.start()` (what
// docs/consumer.md and examples/consumer-basic.ts show) does not keep running. Every consumer timer is unref()'d
// and idle keep-alive sockets are unref()'d by Node, so:
//   1. once started, the process exits (code 0) at the first moment no request is in flight — the consumer
//      silently stops consuming;
//   2. if start() has to back off (a throttled lease-table call), the process exits with code 13 ("unsettled
//      top-level await") before start() resolves.
// (The producer holds a ref'd timer while records are outstanding.) Fixed: KinesisConsumer now holds one ref'd
// handle from start() until stop() (option `keepProcessAlive`, default true); the tests were `it.fails` until then.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BARE = fileURLToPath(new URL('./fixtures/bareConsumer.ts', import.meta.url));
let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.kinesis.createStream('faults-lifecycle', 1);
});
afterAll(async () => {
  await aws?.stop();
});

/** Runs the bare consumer; resolves with what it printed and its exit code, or 'alive' after `aliveMs`. */
async function runBare(app: string, faultStart: boolean, aliveMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', BARE], {
    cwd: path.resolve(path.dirname(BARE), '../../..'),
    env: {
      PATH: process.env.PATH ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      KINESIS_ENDPOINT: aws.kinesis.endpoint,
      DYNAMODB_ENDPOINT: aws.dynamoDb.endpoint,
      STREAM: 'faults-lifecycle',
      APP: app,
      FAULT_START: faultStart ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<void>((resolve) =>
    child.stdout?.on('data', () => stdout.includes('started') && resolve()),
  );
  await Promise.race([started, exited, new Promise((r) => setTimeout(r, 20_000))]);
  const outcome = await Promise.race([exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), aliveMs))]);
  child.kill('SIGKILL');
  return { stdout, outcome };
}

describe('KinesisConsumer keeps its process alive', () => {
  it('a started consumer keeps running with nothing else in the process', async () => {
    const { stdout, outcome } = await runBare('kk-lifecycle-idle', false, 3_000);
    expect(stdout).toContain('started');
    expect(outcome).toBe('alive');
  }, 30_000);

  it('start() backing off after a throttled lease-table call does not end the process', async () => {
    const { stdout, outcome } = await runBare('kk-lifecycle-throttled', true, 3_000);
    expect(stdout).toContain('started');
    expect(outcome).toBe('alive');
  }, 30_000);
});
