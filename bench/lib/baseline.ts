// The previous lease algorithm, for measuring against in the same run: the consumer package as built from an earlier
// commit, kept in packages/consumer/.baseline (git-ignored). Rebuild it with
//   npx tsx bench/lib/baseline.ts <commit>        (default: 0f80359, the last commit before leaderless balancing)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LeaseImpl } from './leaseFleet.js';

export type ImplName = 'branch' | 'baseline';

/** The lease layer before leaderless balancing (count targets, one steal per cycle): what the bench compares with. */
const PREVIOUS_ALGORITHM = '0f80359';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const baselineDir = join(root, 'packages', 'consumer', '.baseline');

export async function loadImpl(name: ImplName): Promise<LeaseImpl> {
  // The lease layer's names are on the package's ./leases entry since the public surface was split.
  if (name === 'branch')
    return {
      ...(await import('@kinesis-kit/consumer')),
      ...(await import('@kinesis-kit/consumer/leases')),
    } as unknown as LeaseImpl;
  const entry = join(baselineDir, 'esm', 'index.js');
  if (!existsSync(entry)) throw new Error(`no baseline build: run npx tsx bench/lib/baseline.ts <commit>`);
  return (await import(pathToFileURL(entry).href)) as unknown as LeaseImpl;
}

/** Extracts packages/consumer/src at `ref` and compiles it to packages/consumer/.baseline/esm. */
export function buildBaseline(ref: string): void {
  rmSync(baselineDir, { recursive: true, force: true });
  mkdirSync(baselineDir, { recursive: true });
  const archive = execFileSync('git', ['archive', ref, 'packages/consumer/src'], { cwd: root });
  execFileSync('tar', ['-x', '--strip-components=2', '-C', baselineDir], { input: archive });
  writeFileSync(join(baselineDir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(baselineDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../tsconfig.base.json',
      compilerOptions: {
        rootDir: 'src',
        outDir: 'esm',
        declaration: false,
        declarationMap: false,
        composite: false,
        noEmit: false,
      },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
    }),
  );
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(baselineDir, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  writeFileSync(join(baselineDir, 'REF'), `${ref}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ref = process.argv[2] ?? PREVIOUS_ALGORITHM;
  buildBaseline(ref);
  console.log(`baseline built from ${ref} in ${baselineDir}`);
}
