import { execFile } from 'node:child_process';
import path from 'node:path';
import { testBudgetMs } from '@kinesis-kit/testing';
import { describe, expect, it } from 'vitest';

// The README's `npm run demo`, in its fast mode: three worker processes, a kill -9, a split, a graceful stop.
// It exits non-zero when anything acknowledged was lost, so this test fails if the demo's claim fails.
const root = path.resolve(import.meta.dirname, '..');

describe('npm run demo (fast mode)', () => {
  it(
    'processes every acknowledged record across a kill -9, a split and a graceful stop',
    async () => {
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', 'examples/demo/demo.ts', '--fast'],
            {
              cwd: root,
              timeout: testBudgetMs(170_000),
              maxBuffer: 16 * 1024 * 1024,
              env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
            },
            (error, out, err) =>
              resolve({
                code: error ? ((error as { code?: number }).code ?? 1) : 0,
                stdout: `${out}${error?.signal ? `\n(killed by ${error.signal})` : ''}`,
                stderr: err,
              }),
          );
        },
      );
      const summary = stdout.slice(stdout.indexOf('Summary'));
      expect(summary, `${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-4000)}`).toMatch(/\blost\s+0\b/);
      expect(summary).toMatch(/per-key order violations within a shard\s+0\b/);
      expect(summary).toMatch(/failover after kill -9.*\d+ ms/);
      expect(summary).toMatch(/handoff after graceful stop\s+\d+ ms/);
      expect(code).toBe(0);
    },
    testBudgetMs(180_000),
  );
});
