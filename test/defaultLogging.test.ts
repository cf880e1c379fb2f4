// Loud by default: the README consumer whose handler throws prints a warning on stderr at the first failure, in
// pino's line format; with `logger: silentLogger()` it prints nothing. Child processes (the built packages), so
// what is asserted is the process's real stderr.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.kinesis.createStream('orders', 1);
  // Not JSON: the README handler's JSON.parse throws on it, every time.
  await aws.kinesis.kinesisClient.send(
    new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'customer-1', Data: Buffer.from('<order id=1/>') }),
  );
});
afterAll(async () => {
  await aws?.stop();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once `predicate` holds for what has been written so far (checked on every chunk). */
  until(predicate: () => boolean, what: string): Promise<void>;
  stop(): Promise<void>;
}

function runReadmeConsumer(mode: 'default' | 'silent'): Run {
  const child = spawn(process.execPath, [path.join(root, 'test/fixtures/readmeConsumer.mjs'), mode], {
    cwd: root,
    env: {
      ...process.env,
      KINESIS_ENDPOINT: aws.kinesis.endpoint,
      DYNAMODB_ENDPOINT: aws.dynamoDb.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      KINESIS_KIT_LOG_LEVEL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const check = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    check();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    check();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    until(predicate, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${err}`)), 30_000);
        const waiter = () => {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve();
        };
        waiters.push(waiter);
        child.once('exit', (code) => reject(new Error(`consumer exited (${code}); stderr: ${err}`)));
        waiter();
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const attempts = (text: string) => text.split('\n').filter((line) => line.startsWith('attempt ')).length;

describe('default logging', () => {
  it('the README consumer with a throwing handler prints the failure on stderr within one retry', async () => {
    // Prepare
    const run = runReadmeConsumer('default');
    try {
      // Act: wait for the first warning line; at most one retry may have happened by then.
      await run.until(() => /"msg":"processRecords threw/.test(run.stderr()), 'the processor error warning');
      const attemptsAtFirstLine = attempts(run.stdout());

      // Assess
      expect(attemptsAtFirstLine).toBeLessThanOrEqual(2);
      const line = run
        .stderr()
        .split('\n')
        .filter((l) => l.includes('"msg":"processRecords threw'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
      expect(line).toMatchObject({
        level: 40,
        pid: run.child.pid,
        component: 'ShardRunner',
        shardId: 'shardId-000000000000',
        attempt: 1,
        action: 'retry',
      });
      expect(line?.err).toMatchObject({ type: 'SyntaxError' });
      expect(typeof line?.time).toBe('number');
      // Only warnings and errors by default: no info lines (start-up, lease taken) on stderr.
      for (const other of run.stderr().trim().split('\n'))
        expect((JSON.parse(other) as { level: number }).level).toBeGreaterThanOrEqual(40);
      // The library never logs the partition key.
      expect(run.stderr()).not.toContain('customer-1');
    } finally {
      await run.stop();
    }
  });

  it('with logger: silentLogger() the same consumer prints nothing at all', async () => {
    // Prepare
    const run = runReadmeConsumer('silent');
    try {
      // Act: let the handler fail three times (two retries).
      await run.until(() => attempts(run.stdout()) >= 3, 'three attempts');
      await run.stop();

      // Assess
      expect(run.stderr()).toBe('');
    } finally {
      await run.stop();
    }
  });
});
