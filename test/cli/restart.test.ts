/**
 * watch survives a server restart and prints what was created while it was away. To be sure the
 * events were created while watch could not see them, they are created through a second server
 * on another port over the same data directory while the first one is down; then the first one
 * comes back on its port and watch, reconnecting there, must get them by resuming.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { jsonLines, runCli, spawnCli } from './run.js';

let server: ChildServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

async function notify(url: string, title: string): Promise<string> {
  const r = await runCli(['notify', '-t', title, '-m', 'created while watch was away'], { env: { AETHER_URL: url } });
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

it('watch --json reconnects after a restart, resumes, and prints what was created in between, once each', async () => {
  const first = await notify(server.url, 'before the restart');
  const watch = spawnCli(['watch', '--json'], { env: { AETHER_URL: server.url } });
  try {
    await watch.waitForLine((l) => l.includes('"initial_state"'));
    await watch.waitForStderr(/connected as dev-user/);

    await server.stop('SIGTERM');
    await watch.waitForStderr(/connection lost \(1001 /);
    const other = await startServer({ dataDir: server.dataDir });
    const missed = [await notify(other.url, 'missed one'), await notify(other.url, 'missed two')];
    await other.close();
    await server.start();

    await watch.waitForStderr(/reconnected as dev-user/, 25_000);
    await watch.waitForStderr(/resumed notifications: 2 missed events/);
    for (const id of missed) await watch.waitForLine((l) => l.includes(id));
    const after = await notify(server.url, 'after the restart');
    await watch.waitForLine((l) => l.includes(after));

    const messages = jsonLines(watch.lines);
    expect(messages.filter((m) => m.type === 'initial_state')).toHaveLength(1);
    const created = messages.filter((m) => m.type === 'notification').map((m) => m.data.id);
    expect(created).toEqual([...missed, after]);
    expect(messages[0]?.data.notifications.map((n: { id: string }) => n.id)).toContain(first);
    const offsets = messages.filter((m) => m.type === 'notification').map((m) => m.offset as number);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  } finally {
    expect(await watch.stop('SIGINT')).toBe(0);
  }
}, 60_000);

it('watch --max-attempts 1 gives up with exit 4 and one line when the server stays down', async () => {
  const lonely = await startServer();
  const watch = spawnCli(['watch', '--max-attempts', '1'], { env: { AETHER_URL: lonely.url } });
  try {
    await watch.waitForStderr(/connected as dev-user/);
    await lonely.stop('SIGTERM');
    expect(await watch.exited).toBe(4);
    expect(watch.stderr().trimEnd().split('\n').at(-1)).toMatch(/^aether-v: gave up after 1 reconnection attempt: connect ECONNREFUSED/);
  } finally {
    await watch.stop();
    await lonely.close();
  }
});
