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
      // PostgreSQL-only suites (several instances on one database) live in the postgres project.
      {
        test: {
          ...shared,
          name: 'sqlite',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: [
            'test/store/concurrent-writers.test.ts',
            'test/store/conditions-race.test.ts',
            'test/integration/inbox-instances.test.ts',
            'test/admin/admin-instances.test.ts',
            'test/security/**',
          ],
        },
      },
      // The adversarial suite measures /healthz latency, so scripts/test.sh runs it on its own, one file at a time.
      { test: { ...shared, name: 'security', include: ['test/security/**/*.test.ts'], fileParallelism: false } },
      {
        test: {
          ...shared,
          name: 'postgres',
          include: ['test/**/*.test.ts'],
          // Tests that start no server (unit tests, fakes) or test the embedded default by definition.
          exclude: [
            'test/client/!(seed-example).test.ts',
            'test/core/**',
            'test/protocol/**',
            'test/security/**',
            'test/store/sqlite-checkpoint.test.ts',
            'test/store/prepared-direct.test.ts',
            'test/integration/send-path.test.ts',
            'test/scale/**',
            'test/integration/config.test.ts',
            'test/integration/demo.test.ts',
            'test/auth/config.test.ts',
            'test/auth/ws-token.test.ts',
            // The page's own views against a server: the store behind them is covered by the REST and
            // WebSocket suites on both stores; live, outage, kill and fleet-restart stay on both.
            'test/e2e/{admin-disconnect,docs,glance-filters,home-simulator,inbox-reader,inbox,job-form,jobs-inventory,paging,presence,row-actions,sse-fallback,shared-tabs}.test.ts',
            'test/e2e/*screenshot.test.ts',
            'test/cli/format.test.ts',
            // Usage errors and a refused connect; V8's thread priorities: nothing of them reaches a store.
            'test/cli/usage.test.ts',
            'test/shared/v8-worker-priority.test.ts',
            'test/shared/time-ordered-id.test.ts',
            'test/cli/follow.test.ts',
            'test/cli/jobs-inventory.test.ts',
          ],
          env: { TEST_DATABASE: 'postgres' },
        },
      },
    ],
  },
});
