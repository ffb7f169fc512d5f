/** examples/watch-jobs.mjs, run exactly as the README shows, reacts to an error notification. */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { ROOT, runCli, spawnCli } from './run.js';

let server: ChildServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

it('the Node client example subscribes, prints an alert for an error notification and marks it read', async () => {
  const env = { AETHER_URL: server.url };
  const script = spawnCli([], { env, file: path.join(ROOT, 'examples/watch-jobs.mjs') });
  try {
    await script.waitForStderr(/\[connected\]/);
    await runCli(['notify', '-t', 'Info only', '-m', 'ignored by the script'], { env });
    const id = (await runCli(['notify', '-t', 'Disk full', '-m', 'hv-02 /var at 99%', '-l', 'error'], { env })).stdout.trim();
    await script.waitForLine((l) => l.startsWith('acknowledged'));
    expect(script.lines).toEqual(['ALERT Disk full: hv-02 /var at 99%', `acknowledged ${id} (200)`]);
    const stored = await (await fetch(`${server.url}/api/v1/notifications/${id}`)).json();
    expect(stored.read).toBe(true);
  } finally {
    expect(await script.stop('SIGINT')).toBe(0);
  }
});
