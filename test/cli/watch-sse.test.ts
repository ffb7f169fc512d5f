/** `aether-v watch --transport sse` against a real server (dev auth): the same output over GET /sse. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { runCli, spawnCli } from './run.js';

let server: ChildServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startServer();
  env = { AETHER_URL: server.url };
});
afterAll(async () => {
  await server?.close();
});

it('watch --transport sse prints the state, then live events; a bad transport is a usage error', async () => {
  const watch = spawnCli(['watch', '--json', '--transport', 'sse'], { env });
  try {
    await watch.waitForLine((l) => l.includes('"initial_state"'));
    await watch.waitForStderr(/connecting to http:\/\/127\.0\.0\.1:\d+\/sse/);
    await watch.waitForStderr(/connected as dev-user/);
    const live = (await runCli(['notify', '-t', 'Over SSE', '-m', 'from the CLI'], { env })).stdout.trim();
    const line = await watch.waitForLine((l) => l.includes(live));
    expect(JSON.parse(line)).toMatchObject({ type: 'notification', action: 'created', data: { id: live, title: 'Over SSE' } });
  } finally {
    expect(await watch.stop('SIGINT')).toBe(0);
  }
  const bad = await runCli(['watch', '--transport', 'carrier-pigeon'], { env });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--transport: expected websocket or sse');
});
