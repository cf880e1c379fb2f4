import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Proves every BUILT package loads from a plain Node script both ways, as users consume it: `import` (ESM)
// and `require` (CommonJS), with the same named exports. Runs against dist/, which `npm test` builds first.
const root = path.resolve(import.meta.dirname, '..');
const packages = readdirSync(path.join(root, 'packages')).map((dir) => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) as {
    name: string;
  };
  return manifest.name;
});

function run(args: string[]): string {
  return execFileSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
}

describe.each(packages)('%s', (name) => {
  it('can be imported as ESM and required as CommonJS with the same exports', () => {
    const esm = run([
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`,
    ]);
    const cjs = run([
      '-e',
      `const m = require(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort()))`,
    ]);
    const esmKeys = JSON.parse(esm) as string[];
    expect(esmKeys.length).toBeGreaterThan(0);
    expect(JSON.parse(cjs)).toEqual(esmKeys);
  });
});
