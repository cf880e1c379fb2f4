// The API reference (`npm run docs:api`, typedoc.config.mjs) is generated from the source comments and is not
// committed; this keeps it generatable: TypeDoc converts every package entry point with warnings as errors, so
// a broken {@link}, or a public signature that uses a type its package does not export, fails here.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

describe('API reference', () => {
  it('TypeDoc converts every package without a warning', async () => {
    const typedoc = path.join(root, 'node_modules/typedoc/bin/typedoc');
    const run = promisify(execFile)(process.execPath, [typedoc, '--emit', 'none'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    await expect(run.then(({ stdout }) => stdout)).resolves.toMatch(/Converting project at \.\/packages\/producer/);
  }, 120_000);
});
