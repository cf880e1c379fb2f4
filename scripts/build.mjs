#!/usr/bin/env node
// Builds every package twice with tsc (ESM + CommonJS, declarations from the TS source), then marks each
// dist/cjs as CommonJS. One `tsc -b` orders the packages by their project references.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

for (const name of readdirSync(join(root, 'packages'))) {
  const cjs = join(root, 'packages', name, 'dist', 'cjs');
  if (!existsSync(cjs)) continue;
  writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
  // The only ESM-only construct we allow in library source is `import.meta.url` (to locate files of a
  // dependency); in the CommonJS build it becomes the equivalent expression.
  patchImportMeta(cjs);
}

function patchImportMeta(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) patchImportMeta(file);
    else if (entry.name.endsWith('.js')) {
      const text = readFileSync(file, 'utf8');
      if (text.includes('import.meta.url')) {
        writeFileSync(file, text.replaceAll('import.meta.url', "require('node:url').pathToFileURL(__filename).href"));
      }
    }
  }
}
