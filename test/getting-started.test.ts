// The samples the README, docs/getting-started.md, operations.md, migration.md and the producer and consumer
// package READMEs show are compiled files under examples/
// (tsconfig.test.json type-checks them). Where a doc shows a file's text, it sits under an
// `<!-- include: examples/… -->` marker and must equal the file byte for byte, so the doc cannot drift. The local
// quickstart is also run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localQuickstart } from '../examples/local-quickstart.js';

const root = path.resolve(import.meta.dirname, '..');
const docs = [
  'README.md',
  'docs/getting-started.md',
  'docs/operations.md',
  'docs/migration.md',
  'docs/observability.md',
  // the registry pages of the two main packages show the README quickstarts too
  'packages/producer/README.md',
  'packages/consumer/README.md',
];

describe('docs samples', () => {
  it.each(docs)('%s: every included sample equals its file, and every linked example exists', (doc) => {
    const text = readFileSync(path.join(root, doc), 'utf8');
    const includes = [...text.matchAll(/<!-- include: (\S+) -->\n```\w*\n([\s\S]*?)```/g)];
    for (const [, file, shown] of includes) {
      const source = readFileSync(path.join(root, file as string), 'utf8');
      expect(shown, `${doc} shows ${file}`).toBe(source);
      if ((file as string).endsWith('.json')) expect(() => JSON.parse(source)).not.toThrow();
    }
    // Every code block is an include: no pasted code that is not compiled.
    const blocks = [...text.matchAll(/^```(\w+)\n/gm)].filter((m) => m[1] !== 'sh' && m[1] !== 'text');
    expect(blocks.length, `${doc}: code blocks that are not includes`).toBe(includes.length);
    for (const [, link] of text.matchAll(/\]\(\.\.\/(examples\/[^)#]+)\)/g))
      expect(() => readFileSync(path.join(root, link as string)), link).not.toThrow();
  });

  it('the local quickstart puts and processes its records on kinesis-local + dynalite', async () => {
    expect(await localQuickstart(100)).toBe(100);
  });
});
