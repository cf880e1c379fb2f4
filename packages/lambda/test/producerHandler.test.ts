import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOCAL_CREDENTIALS, type LocalKinesis, startLocalKinesis } from '@kinesis-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedUserRecords, readStreamAsEventRecords } from './lambdaEvent.js';
import { NO_DEADLINES_JSON } from './patience.js';

// These tests run handler modules in child processes against the BUILT packages (dist): build first
// (`node scripts/build.mjs`, which `npm test` does).
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const built = (pkg: string, file: string) => fileURLToPath(new URL(`../../${pkg}/dist/${file}`, import.meta.url));

let kinesis: LocalKinesis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  for (const file of [
    built('lambda', 'esm/index.js'),
    built('lambda', 'cjs/index.js'),
    built('producer', 'esm/index.js'),
  ]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: build the packages first (node scripts/build.mjs)`);
  }
  kinesis = await startLocalKinesis();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await kinesis?.stop();
});

interface Invocation {
  child: ChildProcess;
  /** The handler's response, written just before the process froze itself. */
  response: Promise<unknown>;
  /** Exit code and signal, or 'timeout' after `timeoutMs` (none: wait for the exit, the test budget bounds it). */
  exit(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'>;
  stderr(): string;
}

/** Runs fixtures/invoke.mjs: load the handler module, invoke it once, freeze (SIGSTOP) on response. */
function invoke(handlerFile: string, streamName: string, event: object, env: Record<string, string> = {}): Invocation {
  const child = spawn(process.execPath, [fixture('invoke.mjs'), fixture(handlerFile), JSON.stringify(event)], {
    env: {
      PATH: process.env.PATH ?? '',
      STREAM_NAME: streamName,
      AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
      AWS_REGION: kinesis.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      PRODUCER_OPTIONS: NO_DEADLINES_JSON,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const response = new Promise<unknown>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.startsWith('RESPONSE '));
      if (line !== undefined) resolve(JSON.parse(line.slice('RESPONSE '.length)));
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`handler process exited (${code ?? signal}) before responding: ${stderr}`)),
    );
  });
  return {
    child,
    response,
    exit: (timeoutMs) =>
      timeoutMs === undefined
        ? exited
        : Promise.race([
            exited,
            new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref()),
          ]),
    stderr: () => stderr,
  };
}

async function storedData(streamName: string): Promise<string[]> {
  return expectedUserRecords(await readStreamAsEventRecords(kinesis.kinesisClient, streamName)).map((r) => r.data);
}

describe('a handler module using a module-scope producer, run as the Lambda runtime would', () => {
  it.each([
    ['ESM', 'producerHandler.mjs', 'esm'],
    ['CommonJS', 'producerHandler.cjs', 'cjs'],
  ])(
    '%s: every record is in the stream when the handler returns (frozen there), and the process then exits by itself',
    async (_, file, prefix) => {
      // Prepare
      const streamName = `handler-${prefix}`;
      await kinesis.createStream(streamName, 2);
      const count = 300;

      // Act
      const invocation = invoke(file, streamName, { count, prefix });
      const response = await invocation.response;
      const atFreeze = await storedData(streamName);
      const thawedAt = performance.now();
      invocation.child.kill('SIGCONT');
      const exit = await invocation.exit(10_000);
      const exitMs = performance.now() - thawedAt;

      // Assess: no handle (timer, socket) outlives the flush: the thawed process has nothing left to do. No server
      // is involved after the thaw, so this bound is about handles (an idle keep-alive socket or a timer would hold
      // the process for seconds), not about the server's speed.
      expect(exitMs).toBeLessThan(2_000);
      expect(response).toEqual({ produced: count });
      expect(atFreeze.sort()).toEqual(Array.from({ length: count }, (_, i) => `${prefix}-${i}`).sort());
      expect(exit).toEqual({ code: 0, signal: null });
      expect(invocation.stderr()).toBe('');
    },
  );

  it('control: without the flushing wrapper, records are still buffered when the environment freezes', async () => {
    // Prepare
    const streamName = 'handler-no-flush';
    await kinesis.createStream(streamName, 1);
    const count = 300;

    // Act
    const invocation = invoke('producerHandler.mjs', streamName, { count, prefix: 'lost' }, { NO_FLUSH: '1' });
    await invocation.response;
    const atFreeze = await storedData(streamName);
    invocation.child.kill('SIGCONT');
    const exit = await invocation.exit(); // it sends first: as long as the server takes

    // Assess: nothing had been sent at the freeze; here (unlike a real freeze) the thawed process sends and exits.
    expect(atFreeze.length).toBeLessThan(count);
    expect(exit).toEqual({ code: 0, signal: null });
    expect((await storedData(streamName)).length).toBe(count);
  });
});
