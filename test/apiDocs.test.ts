// The API reference (`npm run docs:api`, typedoc.config.mjs) is generated from the source comments and is not
// committed; this keeps it generatable and the public surface closed: TypeDoc must convert every package entry
// point (each package's main entry and its subpath exports) without an error or a warning — a broken {@link}, a
// bad tag, a missing entry point, or a type that a public signature uses but no entry exports (a type users must
// name but cannot import). Each such type is a decision: export it from an entry, or stop using it in a public
// signature.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

describe('API reference', () => {
  it('TypeDoc converts every package entry without an error or a warning', async () => {
    const typedoc = path.join(root, 'node_modules/typedoc/bin/typedoc');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [typedoc, '--emit', 'none'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    const messages = `${stdout}\n${stderr}`
      .split('\n')
      .map((line) => stripVTControlCharacters(line))
      .filter((line) => /^\[(warning|error)\]/.test(line) && !/^\[\w+\] Found \d+ errors and \d+ warnings$/.test(line));
    expect(messages).toEqual([]);
    expect(stdout).toMatch(/Converting project at \.\/packages\/producer/);
  }, 120_000);

  it('no declaration we ship uses `any` (comments aside): every public type says what it takes', () => {
    const found: string[] = [];
    for (const pkg of readdirSync(path.join(root, 'packages'))) {
      const dist = path.join(root, 'packages', pkg, 'dist/esm');
      for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'))) {
        const code = readFileSync(path.join(dist, file), 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\/\/.*$/gm, '');
        for (const line of code.split('\n')) if (/\bany\b/.test(line)) found.push(`${pkg}/${file}: ${line.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });
});
