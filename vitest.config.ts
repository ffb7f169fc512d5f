import { defineConfig } from 'vitest/config';

/**
 * Two projects: every test on the embedded SQLite store, and every test that starts a server
 * again on PostgreSQL (TEST_DATABASE=postgres gives each server a fresh database). One global
 * setup starts the private PostgreSQL and Redis both use.
 */
const shared = { testTimeout: 30_000, hookTimeout: 60_000 } as const;

export default defineConfig({
  test: {
    globalSetup: ['test/services/global-setup.ts'],
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'sqlite', include: ['test/**/*.test.ts', 'src/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'postgres',
          include: ['test/integration/*.test.ts', 'test/auth/*.test.ts', 'test/chaos/*.test.ts', 'test/e2e/*.test.ts', 'test/web/*.test.ts', 'test/client/seed-example.test.ts', 'test/store/*.test.ts'],
          // Unit tests and tests of the embedded default only (no server, or SQLite by definition).
          exclude: ['test/integration/config.test.ts', 'test/auth/config.test.ts', 'test/auth/ws-token.test.ts', 'test/integration/demo.test.ts', 'test/e2e/screenshot.test.ts', 'test/scale/**'],
          env: { TEST_DATABASE: 'postgres' },
        },
      },
    ],
  },
});
