// The packed artifacts are what we test: every package is packed as publishing packs it, and two fresh apps
// install the tarballs with npm, one ESM and one CommonJS, as a user's project would. Their TypeScript is checked
// against the installed packages, and the README's producer and consumer (and the local quickstart, whose servers
// come from the packed @kinesis-kit/testing) run against real local servers. What ships is checked too: no
// `workspace:` range, no test files, and publint and arethetypeswrong report nothing.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNpmApp, installedCopies, workspaceVersions, writeTsconfig } from './packaging/npmApp.js';
import { dependencyRanges, type PackedPackage, packAll, root, run } from './packaging/pack.js';

const work = mkdtempSync(path.join(tmpdir(), 'kinesis-kit-packaging-'));
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const attw = path.join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
const sdkClients = ['@aws-sdk/client-kinesis', '@aws-sdk/client-dynamodb'];
let packed: PackedPackage[] = [];
let esmApp = '';
let cjsApp = '';
let aws: LocalAws | undefined;
/** Processes a test started; afterAll kills any still running (a failed or timed-out test leaves none behind). */
const children = new Set<ChildProcess>();
const timings: Record<string, number> = {};

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[label] = Math.round(performance.now() - started);
  }
}

beforeAll(async () => {
  packed = await timed('pack', () => packAll(path.join(work, 'tarballs')));
  const everyPackage = packed.map((p) => p.dir);
  // A user who builds their own SDK clients declares them; the versions are the ones the workspace tests with.
  const sdk = workspaceVersions(...sdkClients);
  const typesNode = workspaceVersions('@types/node');
  [esmApp, cjsApp, aws] = await Promise.all([
    timed('npm install (ESM app)', () =>
      createNpmApp(path.join(work, 'esm-app'), packed, {
        type: 'module',
        packages: everyPackage,
        dependencies: sdk,
        devDependencies: { ...typesNode, ...workspaceVersions('@types/aws-lambda') },
      }),
    ),
    timed('npm install (CommonJS app)', () =>
      createNpmApp(path.join(work, 'cjs-app'), packed, {
        type: 'commonjs',
        packages: everyPackage.filter((dir) => dir !== 'testing'),
        devDependencies: typesNode,
      }),
    ),
    startLocalAws(),
  ]);
}, 240_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await aws?.stop();
  rmSync(work, { recursive: true, force: true });
  console.log(`packaging test timings (ms): ${JSON.stringify(timings)}`);
});

describe('the packed tarballs', () => {
  it('have no workspace: ranges; our own packages depend on each other by caret range', () => {
    for (const { manifest } of packed) {
      const ranges = dependencyRanges(manifest);
      expect(
        ranges.filter((range) => range.includes('workspace:')),
        manifest.name,
      ).toEqual([]);
      for (const range of ranges.filter((r) => r.startsWith('dependencies: @kinesis-kit/')))
        expect(range, manifest.name).toMatch(/@\^\d+\.\d+\.\d+$/);
    }
  });

  it('ship dist, src, README, LICENSE and NOTICE, and no tests, build info or test-only modules', () => {
    for (const { manifest, files } of packed) {
      for (const file of ['package.json', 'README.md', 'LICENSE', 'NOTICE', 'dist/esm/index.js', 'dist/cjs/index.js'])
        expect(files, `${manifest.name} ships ${file}`).toContain(file);
      expect(files, `${manifest.name}: a CommonJS marker in dist/cjs`).toContain('dist/cjs/package.json');
      const unwanted = files.filter((f) => /\.test\.|\.tsbuildinfo$|(^|\/)messages\.(ts|js|d\.ts)/.test(f));
      expect(unwanted, manifest.name).toEqual([]);
    }
  });

  it('are clean for publint (warnings and suggestions included)', async () => {
    for (const { tarball, manifest } of packed) {
      const data = readFileSync(tarball);
      const result = await publint({
        pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
        level: 'suggestion',
        strict: true,
      });
      const problems = result.messages.map((m) => `${m.type}: ${formatMessage(m, result.pkg, { color: false })}`);
      expect(problems, manifest.name).toEqual([]);
    }
  });

  it('are clean for arethetypeswrong (node10, node16 from ESM and CJS, bundler)', async () => {
    await timed('attw', () =>
      Promise.all(
        packed.map(({ tarball }) =>
          // A problem makes attw exit non-zero; run() then fails with attw's table.
          run(process.execPath, [attw, tarball, '--no-definitely-typed', '--format', 'ascii', '--no-emoji'], {
            cwd: work,
            env: { ...process.env, FORCE_COLOR: '0' },
          }),
        ),
      ),
    );
  });
});

describe('a fresh ESM app (npm install of the tarballs)', () => {
  it('type-checks the README quickstarts and every example against the installed packages', async () => {
    const src = path.join(esmApp, 'src');
    for (const dir of ['', 'lambda-consumer', 'lambda-producer']) {
      mkdirSync(path.join(src, dir), { recursive: true });
      for (const file of readdirSync(path.join(root, 'examples', dir)).filter((f) => f.endsWith('.ts')))
        copyFileSync(path.join(root, 'examples', dir, file), path.join(src, dir, file));
    }
    writeTsconfig(esmApp, { skipLibCheck: false, types: ['node', 'aws-lambda'] });
    await timed('tsc (ESM app)', () => run(process.execPath, [tsc, '-p', esmApp], { cwd: esmApp }));
  }, 120_000);

  it('has one copy of each AWS SDK client: ours use the app’s', () => {
    for (const name of sdkClients) expect(installedCopies(esmApp, name), name).toHaveLength(1);
  });

  it('runs the README producer, then the README consumer, with the SDK pointed at local servers', async () => {
    const local = aws as LocalAws;
    await local.kinesis.createStream('orders', 2);
    const env = localAwsEnv(local);
    const produced = await run(process.execPath, ['out/producer-quickstart.js'], { cwd: esmApp, env });
    expect(produced).toMatch(/^stored in shardId-\d+ at \d+$/m);

    // The consumer runs until SIGTERM: stop it once all 1,001 records were printed, then it must exit 0.
    const consumer = spawn(process.execPath, ['out/consumer-quickstart.js'], { cwd: esmApp, env });
    children.add(consumer);
    const orderIds = new Set<string>();
    const { code, output } = await untilExit(consumer, (line) => {
      const orderId = /^shardId-\d+ \d+ (\S+)$/.exec(line)?.[1];
      if (orderId !== undefined) orderIds.add(orderId);
      if (orderIds.size === 1_001) consumer.kill('SIGTERM');
    });
    expect(orderIds.size, output).toBe(1_001);
    expect(code, output).toBe(0);
  }, 120_000);

  it('runs the local quickstart on servers started by the packed @kinesis-kit/testing', async () => {
    const output = await timed('local quickstart', () =>
      run(process.execPath, ['out/local-quickstart.js'], { cwd: esmApp }),
    );
    expect(output).toContain('processed 100 records');
  }, 120_000);

  it('imports every package with the same named exports as the CommonJS app requires', async () => {
    for (const { manifest } of packed) {
      const keys = '.filter((k) => k !== "default" && k !== "__esModule").sort()';
      const esm = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `console.log(JSON.stringify(Object.keys(await import('${manifest.name}'))${keys}))`,
        ],
        { cwd: esmApp },
      );
      if (manifest.name === '@kinesis-kit/testing') {
        expect(JSON.parse(esm)).toContain('startLocalAws');
        continue;
      }
      const cjs = await run(
        process.execPath,
        ['-e', `console.log(JSON.stringify(Object.keys(require('${manifest.name}'))${keys}))`],
        { cwd: cjsApp },
      );
      expect(JSON.parse(esm).length, manifest.name).toBeGreaterThan(0);
      expect(JSON.parse(cjs), manifest.name).toEqual(JSON.parse(esm));
    }
  }, 60_000);
});

describe('a fresh CommonJS app (npm install of the tarballs)', () => {
  it('compiles to CommonJS with the require types, and puts and consumes a record with require()d packages', async () => {
    mkdirSync(path.join(cjsApp, 'src'), { recursive: true });
    copyFileSync(path.join(root, 'test/packaging/fixtures/commonJsApp.ts'), path.join(cjsApp, 'src/commonJsApp.ts'));
    writeTsconfig(cjsApp, { skipLibCheck: true, types: ['node'] }); // our .d.ts are checked in the ESM app
    await timed('tsc (CommonJS app)', () => run(process.execPath, [tsc, '-p', cjsApp], { cwd: cjsApp }));
    expect(readFileSync(path.join(cjsApp, 'out/commonJsApp.js'), 'utf8')).toContain('require("@kinesis-kit/producer")');

    const local = aws as LocalAws;
    await local.kinesis.createStream('commonjs', 1);
    const output = await run(process.execPath, ['out/commonJsApp.js', 'commonjs'], {
      cwd: cjsApp,
      env: localAwsEnv(local),
    });
    expect(JSON.parse(output)).toEqual({
      moduleSystem: 'commonjs',
      deaggregated: 2,
      stored: 'shardId-000000000000',
      received: 'from CommonJS',
      errorBase: 'function',
      lambda: 'function',
    });
  }, 120_000);
});

/** The SDK's own environment conventions, pointed at the local servers: what a user would set. */
function localAwsEnv(local: LocalAws): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL_KINESIS: local.kinesis.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamoDb.endpoint,
    AWS_REGION: local.kinesis.region,
    AWS_ACCESS_KEY_ID: local.kinesis.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.kinesis.credentials.secretAccessKey,
  };
}

/** Feeds each stdout line to `onLine` until the process exits; resolves with its exit code and all output. */
function untilExit(
  child: ChildProcess,
  onLine: (line: string) => void,
): Promise<{ code: number | null; output: string }> {
  let output = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output: output.slice(-4000) })));
}
