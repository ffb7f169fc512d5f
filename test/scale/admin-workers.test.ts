/**
 * The admin API under WORKERS=N (node:cluster, the IPC bus through the primary): a listing asked
 * of whichever worker answers names every worker and shows every socket, once every worker answered
 * (not at the timeout), and a disconnect closes
 * sockets on every worker with the reason.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { connect, type TestSocket } from '../helpers/auth-socket.js';

let server: ChildServer;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  // A long timeout, so that a listing waiting it out instead of finishing once every worker answered shows.
  server = await startServer({ env: { WORKERS: '2', ADMIN_SCATTER_TIMEOUT_MS: '5000' } });
  const deadline = Date.now() + 15_000;
  while (!server.output.join('').includes('cluster ready: 2 workers listening')) {
    if (Date.now() > deadline) throw new Error(`cluster not ready: ${server.output.join('').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.close();
});

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(server.url + path, {
    method,
    headers: { connection: 'close', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

it('lists the sockets of every worker and disconnects them all', async () => {
  for (let i = 0; i < 6; i++) {
    const socket = await connect(server.wsUrl);
    expect(await socket.nextOfType('connection')).toMatchObject({ status: 'connected' });
    sockets.push(socket);
  }
  const started = performance.now();
  const listed = await admin('GET', '/api/v1/admin/connections');
  expect(performance.now() - started).toBeLessThan(2500);
  expect(listed.instances).toHaveLength(2);
  expect(listed.connections).toHaveLength(6);
  expect(new Set(listed.connections.map((c: { instance: string }) => c.instance)).size).toBe(2);
  const done = await admin('POST', '/api/v1/admin/disconnect', { user: 'dev-user', reason: 'cluster maintenance' });
  expect(done).toMatchObject({ closed: 6 });
  for (const s of sockets) expect(await s.closed).toEqual({ code: 4011, reason: 'cluster maintenance' });
});
