#!/usr/bin/env node
// Runs the pnpm version pinned in package.json#packageManager through `npx -y`, because corepack
// cannot verify registry signatures on our machines (see docs/testing.md). Usage: node scripts/pnpm.mjs <args…>
// pnpm runs in the caller's directory, as a pnpm on PATH would: from a package directory,
// `node ../../scripts/pnpm.mjs pack` packs that package (rewriting its `workspace:` ranges); from the root,
// `-r` / `--filter` / `--dir` select packages as usual.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const result = spawnSync('npx', ['-y', packageManager, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
});
process.exit(result.status ?? 1);
