import { defineConfig } from 'vitest/config';

// In-process tests import the workspace packages from their TypeScript source (the `@kinesis-kit/source`
// export condition), so a test never runs against a stale build. Child processes spawned by tests (workers,
// handlers, the demo) run the built `dist`, which `npm test` builds first, and the dual-format test imports
// and requires the built packages exactly as users do.
export default defineConfig({
  resolve: { conditions: ['@kinesis-kit/source'] },
  ssr: { resolve: { conditions: ['@kinesis-kit/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: each server-backed file starts its own kinesis-local (~1 core when busy).
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
