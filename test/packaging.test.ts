// The packed artifacts are what we test: every package is packed as publishing packs it, and two fresh apps
// install the tarballs with npm, one ESM and one CommonJS, as a user's project would. Their TypeScript is checked
// against the installed packages, and the getting-started guide is walked through: the packed @kinesis-kit/testing's
// kinesis-kit-local starts local servers, and the README's producer and consumer run against them with no client
// passed in, configured by the environment variables it prints. What ships is checked too: no `workspace:` range,
// no test files, and publint and arethetypeswrong report nothing.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testBudgetMs } from '@kinesis-kit/testing';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLines, watchChild } from './fixtures/childProcess.js';
import { runKinesisKitLocal } from './fixtures/kinesisKitLocal.js';
import { createNpmApp, installedCopies, workspaceVersions, writeTsconfig } from './packaging/npmApp.js';
import { dependencyRanges, type PackedPackage, packAll, root, run } from './packaging/pack.js';

const work = mkdtempSync(path.join(tmpdir(), 'kinesis-kit-packaging-'));
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const attw = path.join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
const sdkClients = ['@aws-sdk/client-kinesis', '@aws-sdk/client-dynamodb'];
let packed: PackedPackage[] = [];
let esmApp = '';
let cjsApp = '';
const timings: Record<string, number> = {};

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
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
  [esmApp, cjsApp] = await Promise.all([
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
        packages: everyPackage,
        devDependencies: typesNode,
      }),
    ),
  ]);
}, 240_000);

afterAll(() => {
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

  it('cannot be made with a plain npm pack, which would keep the workspace: ranges', async () => {
    const npmPack = run('npm', ['pack', '--dry-run'], { cwd: path.join(root, 'packages/commons') });
    await expect(npmPack).rejects.toThrow(/Pack and publish @kinesis-kit packages with pnpm/);
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
  }, 120_000);
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

  it(
    'walks through docs/getting-started.md: kinesis-kit-local, then the README producer and consumer, no client passed in',
    async () => {
      // The installed bin, as `npx kinesis-kit-local` runs it; free ports instead of the guide's fixed ones.
      const local = await timed('kinesis-kit-local', () =>
        runKinesisKitLocal(
          path.join(esmApp, 'node_modules/.bin/kinesis-kit-local'),
          ['--stream', 'orders:2', '--kinesis-port', '0', '--dynamodb-port', '0'],
          { cwd: esmApp, env: process.env },
        ),
      );
      try {
        // The SDK's own environment variables, as printed: the default clients pick them up.
        const env = { ...process.env, ...local.env };
        const produced = await run(process.execPath, ['out/producer-quickstart.js'], { cwd: esmApp, env });
        expect(produced).toMatch(/^stored in shardId-\d+ at \d+$/m);
        // The consumer's default clients are HTTP/1.1 like the producer's (the SDK's default Kinesis client is HTTP/2,
        // which kinesis-local breaks): it reads the 1,001 records, and SIGTERM stops it gracefully, exit code 0.
        const consumer = watchChild(process.execPath, ['out/consumer-quickstart.js'], { cwd: esmApp, env });
        try {
          await timed('README consumer', () => consumer.until((stdout) => recordLines(stdout) >= 1_001));
        } finally {
          consumer.child.kill('SIGTERM');
        }
        expect(await consumer.exit, consumer.output()).toBe(0);
      } finally {
        expect(await local.stop(), local.cli.output()).toBe(0);
      }
    },
    testBudgetMs(120_000),
  );

  it('runs the local quickstart (both README quickstarts) on servers from the packed @kinesis-kit/testing', async () => {
    const output = await timed('local quickstart', () =>
      run(process.execPath, ['out/local-quickstart.js'], { cwd: esmApp }),
    );
    expect(output).toContain('processed 100 records');
  }, 120_000);

  it('imports every entry (main and subpaths) with the same named exports as the CommonJS app requires', async () => {
    for (const { manifest } of packed) {
      const subpaths = Object.keys(manifest.exports as Record<string, unknown>).filter(
        (key) => key !== './package.json',
      );
      expect(subpaths, manifest.name).toContain('.');
      for (const subpath of subpaths) {
        const entry = `${manifest.name}${subpath.slice(1)}`;
        const keys = '.filter((k) => k !== "default" && k !== "__esModule").sort()';
        const esm = await run(
          process.execPath,
          ['--input-type=module', '-e', `console.log(JSON.stringify(Object.keys(await import('${entry}'))${keys}))`],
          { cwd: esmApp },
        );
        const cjs = await run(
          process.execPath,
          ['-e', `console.log(JSON.stringify(Object.keys(require('${entry}'))${keys}))`],
          { cwd: cjsApp },
        );
        expect(JSON.parse(esm).length, entry).toBeGreaterThan(0);
        expect(JSON.parse(cjs), entry).toEqual(JSON.parse(esm));
      }
    }
  }, 60_000);
});

describe('a fresh CommonJS app (npm install of the tarballs)', () => {
  it('compiles to CommonJS with the require types; require()d packages put and consume a record on local servers', async () => {
    mkdirSync(path.join(cjsApp, 'src'), { recursive: true });
    copyFileSync(path.join(root, 'test/packaging/fixtures/commonJsApp.ts'), path.join(cjsApp, 'src/commonJsApp.ts'));
    writeTsconfig(cjsApp, { skipLibCheck: true, types: ['node'] }); // our .d.ts are checked in the ESM app
    await timed('tsc (CommonJS app)', () => run(process.execPath, [tsc, '-p', cjsApp], { cwd: cjsApp }));
    expect(readFileSync(path.join(cjsApp, 'out/commonJsApp.js'), 'utf8')).toContain('require("@kinesis-kit/producer")');

    const output = await run(process.execPath, ['out/commonJsApp.js'], { cwd: cjsApp });
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
