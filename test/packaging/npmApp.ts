// A fresh application that installs our tarballs with npm, as a user's project would install them from the
// registry. Our packages come only from the tarballs (an `overrides` entry pins every @kinesis-kit name to its
// tarball, also where one of our packages depends on another); third-party packages come from the registry
// through npm's own cache, so a second run is fast and nothing is shared with the pnpm workspace.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PackedPackage } from './pack.js';
import { root, run } from './pack.js';

export interface NpmAppOptions {
  type: 'module' | 'commonjs';
  /** Our packages the app depends on, by directory under packages/. */
  packages: readonly string[];
  /** Third-party dependencies, as a user would declare them. */
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Writes package.json and runs `npm install`. Resolves with the app's directory. */
export async function createNpmApp(
  dir: string,
  packed: readonly PackedPackage[],
  options: NpmAppOptions,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const tarballOf = (name: string) => {
    const found = packed.find((p) => p.dir === name || p.manifest.name === name);
    if (found === undefined) throw new Error(`no tarball for ${name}`);
    return `file:${found.tarball}`;
  };
  const manifest = {
    name: `kinesis-kit-${options.type}-app`,
    version: '1.0.0',
    private: true,
    type: options.type,
    dependencies: {
      ...Object.fromEntries(options.packages.map((dir) => [`@kinesis-kit/${dir}`, tarballOf(dir)])),
      ...options.dependencies,
    },
    devDependencies: options.devDependencies ?? {},
    overrides: Object.fromEntries(packed.map((p) => [p.manifest.name, `file:${p.tarball}`])),
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // --prefer-offline: use cached registry metadata without revalidating it (the tarballs are ours, so nothing
  // about them can be stale); npm still fetches whatever its cache lacks.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return dir;
}

/** The versions pinned in the root package.json: what the workspace tests run against. */
export function workspaceVersions(...names: string[]): Record<string, string> {
  const { devDependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return Object.fromEntries(
    names.map((name) => {
      const range = devDependencies[name];
      if (range === undefined) throw new Error(`${name} is not a root devDependency`);
      return [name, range];
    }),
  );
}

/** Every installed copy of a package under node_modules (nested copies included), as directories. */
export function installedCopies(appDir: string, name: string): string[] {
  const found: string[] = [];
  const visit = (nodeModules: string) => {
    let entries: string[];
    try {
      entries = readdirSync(nodeModules);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const packages = entry.startsWith('@')
        ? readdirSync(path.join(nodeModules, entry)).map((inner) => `${entry}/${inner}`)
        : [entry];
      for (const pkg of packages) {
        const dir = path.join(nodeModules, pkg);
        if (pkg === name) found.push(dir);
        visit(path.join(dir, 'node_modules'));
      }
    }
  };
  visit(path.join(appDir, 'node_modules'));
  return found;
}

/** A tsconfig for the app's sources in src/, compiled to out/, as strict as the repository's own. */
export function writeTsconfig(appDir: string, options: { skipLibCheck: boolean; types: string[] }): void {
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      // false: our .d.ts files are type-checked against the dependencies they were installed with
      skipLibCheck: options.skipLibCheck,
      types: options.types,
      rootDir: 'src',
      outDir: 'out',
    },
    include: ['src'],
  };
  writeFileSync(path.join(appDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
}
