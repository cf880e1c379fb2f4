// The release path, short of publishing: `pnpm -r publish --dry-run` is what CI's release job runs for real
// (docs/releasing.md), so it must pass on every commit; and the changesets waiting for the next release must
// name packages that exist.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const names = readdirSync(path.join(root, 'packages')).map(
  (dir) =>
    (JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string }).name,
);

describe('release', () => {
  it('pnpm -r publish --dry-run passes and would publish every package', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'scripts/pnpm.mjs'), '-r', 'publish', '--dry-run', '--no-git-checks'],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );
    const published = [...`${stdout}\n${stderr}`.matchAll(/^\+ (@kinesis-kit\/[\w-]+)@/gm)].map((m) => m[1]);
    expect(published.sort()).toEqual([...names].sort());
  }, 120_000);

  it('the pending changesets name only our packages, and every package is in the one fixed version group', () => {
    const dir = path.join(root, '.changeset');
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { fixed: string[][] };
    expect(config.fixed).toEqual([['@kinesis-kit/*']]);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
      const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(readFileSync(path.join(dir, file), 'utf8'))?.[1];
      expect(frontMatter, `${file} has a front matter`).toBeDefined();
      for (const line of (frontMatter as string).split('\n')) {
        const [, name, bump] = /^'([^']+)': (patch|minor|major)$/.exec(line) ?? [];
        expect(bump, `${file}: ${line}`).toBeDefined();
        expect(names, `${file}: ${line}`).toContain(name);
      }
    }
  });
});
