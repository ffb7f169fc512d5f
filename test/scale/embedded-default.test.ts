/**
 * With DATABASE_URL and REDIS_URL unset the embedded default is unchanged and loads no PostgreSQL
 * or Redis code; with them set, it does (the control); with DATABASE_URL alone, PostgreSQL and its
 * bus but no Redis code. The real server runs as a child process
 * with a module-resolution hook recording every module it loads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { createPostgresDatabase } from '../services/database.js';

const HOOK = path.resolve('test/scale/fixtures/trace-imports.mjs');
const SCALE_CODE = /\/node_modules\/(pg|pg-pool|ioredis)\/|\/dist\/store\/postgres\.js|\/dist\/bus\/redis\.js/;

let server: ChildServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function loadedModules(env: Record<string, string>): Promise<{ modules: string[]; ready: unknown }> {
  const trace = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aether-trace-')), 'modules.txt');
  fs.writeFileSync(trace, '');
  server = await startServer({ env: { NODE_OPTIONS: `--import ${HOOK}`, TRACE_IMPORTS_FILE: trace, ...env } });
  const ready = await (await fetch(`${server.url}/readyz`)).json();
  return { modules: fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean), ready };
}

it('loads neither pg nor ioredis nor their adapters when DATABASE_URL and REDIS_URL are unset', async () => {
  const { modules, ready } = await loadedModules({});
  expect(modules.some((m) => m.endsWith('/dist/store/sqlite.js'))).toBe(true);
  expect(modules.filter((m) => SCALE_CODE.test(m))).toEqual([]);
  expect(ready).toEqual({ status: 'ready', checks: { store: true, bus: true } });
  expect(fs.existsSync(path.join(server?.dataDir ?? '', 'aether-v.sqlite'))).toBe(true);
});

it('loads them when DATABASE_URL=postgres://… and REDIS_URL are set (the control)', async () => {
  const { modules } = await loadedModules({
    DATABASE_URL: await createPostgresDatabase(),
    REDIS_URL: process.env.TEST_REDIS_URL as string,
    REDIS_CHANNEL_PREFIX: 'trace-test',
  });
  expect(modules.some((m) => m.includes('/node_modules/pg/'))).toBe(true);
  expect(modules.some((m) => m.includes('/node_modules/ioredis/'))).toBe(true);
  expect(modules.some((m) => m.endsWith('/dist/store/postgres.js'))).toBe(true);
  expect(modules.some((m) => m.endsWith('/dist/bus/redis.js'))).toBe(true);
});

it('loads pg and the PostgreSQL bus but no Redis code when only DATABASE_URL=postgres://… is set', async () => {
  const { modules, ready } = await loadedModules({ DATABASE_URL: await createPostgresDatabase() });
  expect(modules.some((m) => m.endsWith('/dist/bus/postgres.js'))).toBe(true);
  expect(modules.some((m) => m.includes('/node_modules/ioredis/') || m.endsWith('/dist/bus/redis.js'))).toBe(false);
  expect(ready).toEqual({ status: 'ready', checks: { store: true, bus: true } });
  expect(server?.output.join('')).toContain('"bus":"postgres"');
});
