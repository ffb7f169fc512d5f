/**
 * The server's log destination (src/http/log.ts): when standard output's reader goes away (a log
 * shipper that died, `| head`), the server keeps serving and says so once on stderr; it used to
 * crash on an unhandled EPIPE 'error' from `process.stdout`, and the notice must not crash it
 * either when stderr went with it.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';

const servers: ChildServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** The built server, once it has written a log line on stdout; and its process. */
async function started(): Promise<{ server: ChildServer; proc: ChildProcess }> {
  const server = await startServer();
  servers.push(server);
  await expect.poll(() => server.output.some((chunk) => chunk.includes('"msg"')), { timeout: 5_000, message: 'a log line on stdout' }).toBe(true);
  const proc = server.process;
  if (proc === undefined) throw new Error('no server process');
  return { server, proc };
}

/** Requests that each write a log line, answered while the lines go nowhere; then a clean stop. */
async function servesThenStops(server: ChildServer, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 5; i += 1) expect((await fetch(`${server.url}/api/v1/notifications`)).status).toBe(200);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  expect(proc.exitCode).toBeNull();
  await server.stop();
  expect(proc.exitCode).toBe(0);
}

it('keeps serving when stdout is closed under it, and says so once on stderr', async () => {
  const { server, proc } = await started();
  // The reader goes away: every later line is a write to a broken pipe.
  proc.stdout?.destroy();
  const notice = 'standard output was closed (EPIPE)';
  const served = servesThenStops(server, proc);
  await expect.poll(() => server.output.some((chunk) => chunk.includes(notice)), { timeout: 10_000, message: 'the notice on stderr' }).toBe(true);
  await served;
  expect(server.output.join('').split(notice)).toHaveLength(2);
});

it('keeps serving when stdout and stderr are both closed under it (one dead reader for both)', async () => {
  const { server, proc } = await started();
  proc.stdout?.destroy();
  proc.stderr?.destroy();
  await servesThenStops(server, proc);
});
