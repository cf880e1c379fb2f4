// The samples the README, docs/getting-started.md, operations.md, migration.md and the producer and consumer
// package READMEs show are compiled files under examples/
// (tsconfig.test.json type-checks them). Where a doc shows a file's text, it sits under an
// `<!-- include: examples/… -->` marker and must equal the file byte for byte, so the doc cannot drift. The local
// quickstart is also run, and so is the getting-started guide's local walk-through, as written: its commands, with
// the packages of this workspace (the packaging test runs the same walk-through from the packed tarballs).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { testBudgetMs } from '@kinesis-kit/testing';
import { describe, expect, it } from 'vitest';
import { localQuickstart } from '../examples/local-quickstart.js';
import { recordLines, watchChild } from './fixtures/childProcess.js';
import { runKinesisKitLocal } from './fixtures/kinesisKitLocal.js';

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

  it(
    'docs/getting-started.md, as written: kinesis-kit-local, the export line, producer.ts, consumer.ts, Ctrl-C',
    async () => {
      const guide = readFileSync(path.join(root, 'docs/getting-started.md'), 'utf8');
      const shell = [...guide.matchAll(/^```sh\n([\s\S]*?)```/gm)].map((m) => m[1]).join('');
      // The commands this test runs, in the guide's words (ports aside: the test takes free ones).
      for (const command of [
        'npm install @kinesis-kit/producer @kinesis-kit/consumer',
        'npm install --save-dev @kinesis-kit/testing tsx',
        'npx kinesis-kit-local --stream orders:2',
        'npx tsx producer.ts',
        'npx tsx consumer.ts',
      ])
        expect(shell, 'a command of the guide').toContain(command);
      const shown = /^```text\n([\s\S]*?)```/m.exec(guide)?.[1] ?? '';

      const cwd = root;
      const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      const local = await runKinesisKitLocal(
        process.execPath,
        ['packages/testing/dist/esm/cli.js', '--stream', 'orders:2', '--kinesis-port', '0', '--dynamodb-port', '0'],
        { cwd, env },
      );
      try {
        // What it prints is what the guide shows, but for the ports.
        const ports = (text: string) => text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
        expect(ports(local.cli.stdout())).toBe(ports(shown));
        const exported = { ...env, ...local.env };
        const producer = watchChild(process.execPath, ['--import', 'tsx', 'examples/producer-quickstart.ts'], {
          cwd,
          env: exported,
        });
        expect(await producer.exit, producer.output()).toBe(0);
        expect(producer.stdout()).toMatch(/^stored in shardId-\d+ at \d+$/m);
        const consumer = watchChild(process.execPath, ['--import', 'tsx', 'examples/consumer-quickstart.ts'], {
          cwd,
          env: exported,
        });
        try {
          await consumer.until((stdout) => recordLines(stdout) >= 1_001);
        } finally {
          consumer.child.kill('SIGINT'); // Ctrl-C
        }
        expect(await consumer.exit, consumer.output()).toBe(0);
      } finally {
        expect(await local.stop(), local.cli.output()).toBe(0);
      }
      expect(local.cli.stdout()).toMatch(/stopped\n$/);
    },
    testBudgetMs(90_000),
  );
});
