/**
 * WORKERS=N: one port served by N processes (node:cluster) on the embedded SQLite store, events
 * passed between workers over IPC. Clients spread across workers all receive every event once
 * and in order, also under concurrent writes that land on different workers.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, CLIENT_ID, CLIENT_SECRET, SESSION_SECRET, USERS, USER_ROLE } from '../helpers/auth-world.js';
import { connect } from '../helpers/auth-socket.js';
import { signIn } from '../helpers/login.js';
import { createTestKey, startProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { freePort, startServer, type ChildServer } from '../helpers/server.js';
import { connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';
import { createPostgresDatabase } from '../services/database.js';

let server: ChildServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startServer({ env: { WORKERS: '3' } });
  await allListening();
});

async function allListening(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!server.output.join('').includes('cluster ready: 3 workers listening')) {
    if (Date.now() > deadline) throw new Error(`cluster not ready: ${server.output.join('').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
});

/** One scrape (whichever worker answers it): a metric's value per `worker` label. */
async function perWorker(metric: string): Promise<Map<string, number>> {
  const res = await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } });
  expect(res.status).toBe(200);
  const text = await res.text();
  const values = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${metric}\\{worker="(\\d+)"\\} (\\d+)$`, 'gm'))) values.set(m[1] as string, Number(m[2]));
  return values;
}

it('spreads sockets over the workers and delivers every event to each once, in order', async () => {
  for (let i = 0; i < 6; i++) clients.push((await connectReady(server.wsUrl)).client);
  // Every scrape, whichever worker answers it, shows all three workers' sockets.
  for (let scrape = 0; scrape < 3; scrape++) {
    const connections = await perWorker('aether_ws_connections');
    expect(connections.size).toBe(3);
    expect([...connections.values()].reduce((a, b) => a + b, 0)).toBe(6);
    expect(Math.max(...connections.values())).toBeLessThan(6);
  }

  const total = 60;
  const results = await Promise.all(
    Array.from({ length: total }, (_, i) =>
      fetch(`${server.url}/api/v1/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ title: `w${i}`, message: 'm', level: 'info', category: 'system' }),
      }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(results.map(() => 201));

  const isCreated = (m: Msg) => m.type === 'notification' && m.action === 'created';
  for (const c of clients) {
    const offsets: unknown[] = [];
    for (let i = 0; i < total; i++) offsets.push((await c.next(isCreated, 10_000)).offset);
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await c.expectNone(isCreated, 0);
  }
});

/** How many workers one scrape shows as the job runner. */
const leaders = async () => [...(await perWorker('aether_job_runner_leader')).values()].filter((v) => v === 1).length;

it('runs jobs on exactly one worker', async () => {
  expect(await leaders()).toBe(1);
  const res = await fetch(`${server.url}/api/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ type: 'sleep', parameters: { duration_ms: 100 } }),
  });
  const { id } = (await res.json()) as { id: string };
  await expect
    .poll(async () => ((await (await fetch(`${server.url}/api/v1/jobs/${id}`, { headers: { connection: 'close' } })).json()) as { status: string }).status, {
      timeout: 15_000,
    })
    .toBe('completed');
});

it('replaces a worker that dies, keeping one job runner', async () => {
  const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  expect(workers).toHaveLength(3);
  for (const pid of workers) {
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(
        () =>
          execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.pid)], { encoding: 'utf8' })
            .split('\n')
            .filter((l) => l.trim() !== '' && Number(l.trim()) !== pid).length,
        { timeout: 10_000 },
      )
      .toBe(3);
  }
  await expect.poll(async () => (await perWorker('aether_job_runner_leader')).size, { timeout: 10_000 }).toBe(3);
  expect(await leaders()).toBe(1);
});

it('stops every worker on SIGTERM', async () => {
  await server.stop('SIGTERM');
  await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();
  server.output.length = 0;
  await server.start();
  await allListening();
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
});

describe('WORKERS=2 with sign-in: state the workers share through the primary', () => {
  let cluster2: ChildServer;
  let provider: TestProvider;

  beforeAll(async () => {
    const port = await freePort();
    provider = await startProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`http://127.0.0.1:${port}/auth/callback`],
      users: USERS,
      keys: [await createTestKey('key-1')],
    });
    cluster2 = await startServer({
      port,
      env: {
        WORKERS: '2',
        AUTH_ENABLED: 'true',
        ALLOW_DEV_AUTH: 'false',
        SESSION_SECRET_KEY: SESSION_SECRET,
        API_TOKEN,
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_ROLE_NAME: USER_ROLE,
        WS_TOKEN_REQUESTS_PER_MINUTE: '4',
      },
    });
    const deadline = Date.now() + 15_000;
    while (!cluster2.output.join('').includes('cluster ready: 2 workers listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await cluster2?.close();
    await provider?.close();
  });

  it('uses a ws-token once across workers and counts ws-token requests across workers', async () => {
    const { jar, final } = await signIn(cluster2.url, 'alice');
    expect(final.status).toBe(302);
    const cookie = jar.header(cluster2.url);
    const wsToken = async () => fetch(`${cluster2.url}/auth/ws-token`, { headers: { cookie, connection: 'close' } });
    const first = await wsToken();
    expect(first.status).toBe(200);
    const { token } = (await first.json()) as { token: string };
    // Consecutive connections go to alternate workers (round robin).
    const used = await connect(`${cluster2.wsUrl}?token=${token}`);
    expect((await used.next()).type).toBe('connection');
    const reused = await connect(`${cluster2.wsUrl}?token=${token}`);
    expect((await reused.closed).code).toBe(1008);
    used.close();

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await wsToken()).status);
    // 4 per minute in all: the first request above and three more pass, whichever worker answers.
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

// With Redis the workers use it; on PostgreSQL alone each worker LISTENs like a separate instance.
const PG_BUSES = [
  { bus: 'Redis', env: (): Record<string, string> => ({ REDIS_URL: process.env.TEST_REDIS_URL as string, REDIS_CHANNEL_PREFIX: `w-${Date.now()}` }) },
  { bus: 'PostgreSQL alone', env: (): Record<string, string> => ({}) },
];

describe.each(PG_BUSES)('WORKERS=2 on PostgreSQL, bus: $bus', ({ bus, env }) => {
  let pgCluster: ChildServer;
  beforeAll(async () => {
    pgCluster = await startServer({
      env: {
        WORKERS: '2',
        DATABASE_URL: await createPostgresDatabase(),
        ...env(),
      },
    });
    const deadline = Date.now() + 15_000;
    while (!pgCluster.output.join('').includes('cluster ready: 2 workers listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await pgCluster?.close();
  });

  it(`delivers events between workers over ${bus}, once each and in order`, async () => {
    const sockets = [];
    for (let i = 0; i < 4; i++) sockets.push((await connectReady(pgCluster.wsUrl)).client);
    clients.push(...sockets);
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${pgCluster.url}/api/v1/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ title: `pg${i}`, message: 'm', level: 'info', category: 'system' }),
      });
      expect(res.status).toBe(201);
    }
    const isCreated = (m: Msg) => m.type === 'notification' && m.action === 'created';
    for (const c of sockets) {
      const offsets: unknown[] = [];
      for (let i = 0; i < 10; i++) offsets.push((await c.next(isCreated, 10_000)).offset);
      expect(offsets).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
  });
});
