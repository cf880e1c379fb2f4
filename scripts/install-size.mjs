#!/usr/bin/env node
// What a user's `npm install` of one of our packages brings: packs every package as publishing does, installs
// each of the listed ones alone into a fresh app with npm (our other packages from the tarballs, everything else
// from the registry), and prints the package count and size, and the share of a few dependencies named on the
// command line. Run after a build, or give tarballs packed elsewhere (e.g. from an older commit) with --tarballs.
// Usage: node scripts/install-size.mjs [--tarballs DIR] [--share pino,protobufjs] [producer consumer …]
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const shareAt = args.indexOf('--share');
const shares = shareAt === -1 ? ['pino', 'protobufjs'] : (args.splice(shareAt, 2)[1] ?? '').split(',');
const tarballsAt = args.indexOf('--tarballs');
const givenTarballs = tarballsAt === -1 ? undefined : path.resolve(args.splice(tarballsAt, 2)[1] ?? '.');
const targets = args.length > 0 ? args : ['producer', 'consumer', 'lambda', 'aggregation'];

const work = mkdtempSync(path.join(tmpdir(), 'kinesis-kit-install-size-'));
try {
  const tarballs = givenTarballs ?? path.join(work, 'tarballs');
  if (givenTarballs === undefined)
    execFileSync(
      process.execPath,
      [path.join(root, 'scripts/pnpm.mjs'), '-r', 'pack', '--pack-destination', tarballs],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
  const tarballOf = new Map(
    readdirSync(tarballs).map((file) => [
      `@${file.replace(/^kinesis-kit-/, 'kinesis-kit/').replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`,
      `file:${path.join(tarballs, file)}`,
    ]),
  );
  const rows = [];
  for (const target of targets) {
    const name = `@kinesis-kit/${target}`;
    const app = path.join(work, target);
    mkdirSync(app);
    const manifest = {
      name: 'app',
      version: '1.0.0',
      private: true,
      dependencies: { [name]: tarballOf.get(name) },
      overrides: Object.fromEntries(tarballOf),
    };
    writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      stdio: 'ignore',
    });
    const installed = execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: app, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '' && line !== app);
    const packages = new Set(installed);
    const size = (dirs) => [...dirs].reduce((sum, dir) => sum + sizeOf(dir, false), 0);
    // Disk usage as `du` counts it (blocks and directories; what the issue quoted), and the files' own bytes.
    const diskKb = Number(execFileSync('du', ['-sk', 'node_modules'], { cwd: app, encoding: 'utf8' }).split('\t')[0]);
    const row = {
      package: name,
      packages: packages.size,
      'MB on disk': mb(diskKb * 1024),
      'MB (files)': mb(size(packages)),
    };
    for (const dep of shares) {
      const closure = dependencyClosure(app, dep);
      row[`${dep} (packages / MB)`] = closure.size === 0 ? '-' : `${closure.size} / ${mb(size(closure))}`;
    }
    rows.push(row);
  }
  console.table(rows);
  console.log("packages: npm ls --all, deduplicated. MB on disk: du -sk node_modules. MB (files): the files' bytes.");
} finally {
  rmSync(work, { recursive: true, force: true });
}

function mb(bytes) {
  return (bytes / 1e6).toFixed(1);
}

/** Bytes of the files under `dir`, without nested node_modules (those are packages of their own). */
function sizeOf(dir, inside) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' && !inside) continue;
    const file = path.join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(file, true) : statSync(file).size;
  }
  return total;
}

/** `name` and everything it depends on, transitively, as installed (npm's resolution: nearest node_modules up). */
function dependencyClosure(app, name) {
  const found = new Set();
  const visit = (from, dep) => {
    for (let dir = from; dir.startsWith(app); dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', dep);
      if (!existsSync(path.join(candidate, 'package.json'))) continue;
      if (found.has(candidate)) return;
      found.add(candidate);
      const { dependencies = {} } = JSON.parse(readFileSync(path.join(candidate, 'package.json'), 'utf8'));
      for (const next of Object.keys(dependencies)) visit(candidate, next);
      return;
    }
  };
  visit(app, name);
  return found;
}
