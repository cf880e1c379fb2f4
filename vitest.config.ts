import { defineConfig } from 'vitest/config';
import { testBudgetMs } from './packages/testing/src/slowdown.js';

// In-process tests import the workspace packages from their TypeScript source (the `@kinesis-kit/source`
// export condition), so a test never runs against a stale build. Child processes spawned by tests (workers,
// handlers, the demo) run the built `dist`, which `npm test` builds first, and the dual-format test imports
// and requires the built packages exactly as users do.
export default defineConfig({
  resolve: { conditions: ['@kinesis-kit/source'] },
  ssr: { resolve: { conditions: ['@kinesis-kit/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Budgets are hang detectors, not speed assumptions (server-backed tests wait on events): a server slowed on
    // purpose with KINESIS_KIT_SLOW_SERVER (docs/testing.md) stretches them by its duty cycle.
    testTimeout: testBudgetMs(60_000),
    hookTimeout: testBudgetMs(60_000),
    // Two cores: each server-backed file starts its own kinesis-local (~1 core when busy).
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
