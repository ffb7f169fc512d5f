/**
 * The deployment the scale-out mode promises, all on loopback: a private PostgreSQL (and Redis,
 * in the Redis mode), three server processes (A, B, C) with authentication on, and HAProxy in
 * front (round robin, no stickiness). The whole suite runs twice: with REDIS_URL, and on
 * PostgreSQL alone (LISTEN/NOTIFY and tables). Delivery across instances, an instance killed
 * under its clients, a bus outage (Redis restarts; every LISTEN connection killed), single-use
 * ws-tokens, logout and shared rate limits all hold across instances.
 */
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsClient, type WsClient } from '../../src/client/index.js';
import { API_TOKEN, CLIENT_ID, CLIENT_SECRET, METRICS_TOKEN, USERS, authEnv } from '../helpers/auth-world.js';
import { connect } from '../helpers/auth-socket.js';
import { signIn } from '../helpers/login.js';
import { createTestKey, startProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { startServer, type ChildServer } from '../helpers/server.js';
import { createPostgresDatabase } from '../services/database.js';
import { freePort, startHaproxy, type PrivateHaproxy } from '../services/processes.js';
import { BUS_MODES } from './bus-modes.js';

const bearer = { authorization: `Bearer ${API_TOKEN}` };

/** The `ws` WebSocket with the API token on every handshake (the client library takes the class). */
class TokenWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: bearer });
  }
}

interface Tracked {
  readonly client: WsClient;
  readonly offsets: number[];
  /** Got its first `initial_state`: events after it arrive as events, not in the snapshot. */
  snapshot: boolean;
  resyncs: number;
  reconnects: number;
}

let provider: TestProvider;
let balancer: PrivateHaproxy;
let databaseUrl: string;
let a: ChildServer;
let b: ChildServer;
let c: ChildServer;
const tracked: Tracked[] = [];

async function post(base: string, title: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}/api/v1/notifications`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json', 'idempotency-key': title.replace(/\s/g, '-') },
        body: JSON.stringify({ title, message: 'm', level: 'info', category: 'system' }),
      });
      if (res.status === 201 || res.status === 200) return;
      if (attempt > 20 || res.status === 400) throw new Error(`POST ${title}: ${res.status} ${await res.text()}`);
    } catch (err) {
      if (attempt > 20) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function head(): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ head: string }>("select head from topic_heads where topic = 'notifications'");
    return rows.length === 0 ? 0 : Number(rows[0]?.head);
  } finally {
    await client.end();
  }
}

function track(url: string): Tracked {
  const client = createWsClient({ url, WebSocket: TokenWebSocket, baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 100, pingIntervalMs: 2000 });
  const t: Tracked = { client, offsets: [], snapshot: false, resyncs: 0, reconnects: 0 };
  client.on('initial_state', () => {
    t.snapshot = true;
  });
  client.on('notification', (m) => {
    if (typeof m.offset === 'number') t.offsets.push(m.offset);
  });
  client.on('resync', () => {
    t.resyncs += 1;
  });
  client.onConnectionStatus((status) => {
    if (status === 'reconnecting') t.reconnects += 1;
  });
  tracked.push(t);
  return t;
}

/** Every tracked client holds every offset from `from`+1 to the head, once each, in order. */
async function expectComplete(clients: readonly Tracked[], from: number): Promise<void> {
  const target = await head();
  await expect.poll(() => clients.map((t) => t.offsets[t.offsets.length - 1] ?? from), { timeout: 20_000, interval: 100 }).toEqual(clients.map(() => target));
  for (const t of clients) {
    const tail = t.offsets.filter((o) => o > from);
    expect(tail).toEqual(Array.from({ length: target - from }, (_, i) => from + 1 + i));
    expect(t.resyncs).toBe(0);
  }
}

/** One instance's /metrics, read with METRICS_TOKEN. */
async function scrape(server: ChildServer): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

async function connections(server: ChildServer): Promise<number> {
  const text = await scrape(server);
  return Number(/^aether_ws_connections(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 'NaN');
}

describe.each(BUS_MODES)('three instances behind HAProxy, bus: $name', (mode) => {
  beforeAll(async () => {
    databaseUrl = await createPostgresDatabase();
    const busEnv = await mode.setup(databaseUrl);
    const balancerPort = await freePort();
    const publicUrl = `http://127.0.0.1:${balancerPort}`;
    provider = await startProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`${publicUrl}/auth/callback`],
      users: USERS,
      keys: [await createTestKey('key-1')],
    });
    const env = {
      DATABASE_URL: databaseUrl,
      ...busEnv,
      AUTH_ENABLED: 'true',
      ALLOW_DEV_AUTH: 'false',
      ...authEnv(provider.issuer),
      PUBLIC_URL: publicUrl,
      WS_PING_INTERVAL_MS: '2000',
      WS_PONG_TIMEOUT_MS: '2000',
      JOB_TICK_MS: '50',
      METRICS_TOKEN,
    };
    [a, b, c] = await Promise.all([startServer({ env }), startServer({ env }), startServer({ env })]);
    balancer = await startHaproxy([a.port, b.port, c.port], { port: balancerPort });
  }, 120_000);

  afterAll(async () => {
    for (const t of tracked) t.client.close();
    await Promise.allSettled([a?.close(), b?.close(), c?.close()]);
    await balancer?.stop();
    await provider?.close();
    await mode.teardown();
    tracked.length = 0;
  });

  it('delivers a notification created through A to clients on B and C, once each', async () => {
    const from = await head();
    const onB = track(b.wsUrl);
    const onC = track(c.wsUrl);
    await expect.poll(() => onB.snapshot && onC.snapshot, { timeout: 10_000 }).toBe(true);
    await post(a.url, 'created on A');
    await expectComplete([onB, onC], from);
    expect(onB.offsets.filter((o) => o > from)).toHaveLength(1);
    for (const server of [a, b, c]) expect(server.output.join('')).toContain(`"bus":"${mode.name}"`);
  });

  it('moves the clients of a killed instance through the balancer to the others, and they resume with nothing lost', async () => {
    const from = await head();
    const clients = Array.from({ length: 9 }, () => track(balancer.wsUrl));
    await expect.poll(() => clients.every((t) => t.snapshot), { timeout: 10_000 }).toBe(true);
    expect(await connections(b)).toBeGreaterThan(0);

    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing || i < 40; i++) {
        await post(i % 2 === 0 ? a.url : c.url, `under kill ${i}`);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 300));
      await b.stop('SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
      writing = false;
      await writer;

      await expectComplete(clients, from);
      expect(clients.filter((t) => t.reconnects > 0).length).toBeGreaterThan(0);
      expect((await connections(a)) + (await connections(c))).toBeGreaterThanOrEqual(clients.length);
    } finally {
      writing = false;
      await b.start();
    }
  });

  it(`loses nothing when ${mode.outageName}, and the balancer keeps every instance in meanwhile`, async () => {
    const from = await head();
    const clients = [track(balancer.wsUrl), track(balancer.wsUrl), track(balancer.wsUrl)];
    await expect.poll(() => clients.every((t) => t.snapshot), { timeout: 10_000 }).toBe(true);
    const outage = await mode.outage();
    await expect.poll(async () => ((await (await fetch(`${a.url}/readyz`)).json()) as { status: string }).status, { timeout: 5000 }).toBe('degraded');
    for (let i = 0; i < 5; i++) await post([a.url, b.url, c.url][i % 3] as string, `bus down ${i}`);
    // Degraded instances stay in the pool: new sockets through the balancer still open.
    const late = track(balancer.wsUrl);
    await expect.poll(() => late.snapshot, { timeout: 10_000 }).toBe(true);
    await outage.end();
    for (let i = 0; i < 5; i++) await post([a.url, b.url, c.url][i % 3] as string, `bus back ${i}`);
    await expectComplete(clients, from);
    expect(clients.every((t) => t.reconnects === 0)).toBe(true);
    await expect.poll(async () => ((await (await fetch(`${a.url}/readyz`)).json()) as { status: string }).status, { timeout: 10_000 }).toBe('ready');
  });

  it('refuses a ws-token on C that was used on B, and logout on A closes the session’s socket on C', async () => {
    const { jar, final } = await signIn(balancer.url, 'alice');
    expect(final.status).toBe(302);
    const cookie = jar.header(balancer.url);
    const origin = balancer.url;

    const { token } = (await (await fetch(`${a.url}/auth/ws-token`, { headers: { cookie } })).json()) as { token: string };
    const first = await connect(`${b.wsUrl}?token=${token}`, { headers: { origin } });
    expect((await first.next()).type).toBe('connection');
    const reused = await connect(`${c.wsUrl}?token=${token}`, { headers: { origin } });
    expect((await reused.closed).code).toBe(1008);

    const onC = await connect(c.wsUrl, { headers: { cookie, origin } });
    expect((await onC.next()).type).toBe('connection');
    const logout = await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { cookie, origin } });
    expect(logout.status).toBe(204);
    expect((await onC.closed).code).toBe(4003);
    expect((await first.closed).code).toBe(4003);
  });

  it(`closes the socket on C of a session logged out on A while ${mode.outageName}, once the bus is back`, async () => {
    const { jar } = await signIn(balancer.url, 'alice');
    const cookie = jar.header(balancer.url);
    const origin = balancer.url;
    const onC = await connect(c.wsUrl, { headers: { cookie, origin } });
    expect((await onC.next()).type).toBe('connection');
    const outage = await mode.outage();
    expect((await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { cookie, origin } })).status).toBe(204);
    // Long enough for the control message to be gone for good (Redis pub/sub and NOTIFY keep nothing).
    await new Promise((r) => setTimeout(r, 300));
    await outage.end();
    expect((await onC.closed).code).toBe(4003);
  });

  it('runs jobs on one elected instance only, and another takes over when it is killed', async () => {
    const servers = [a, b, c];
    const leaders = async () => Promise.all(servers.map(async (s) => /^aether_job_runner_leader 1$/m.test(await scrape(s))));
    expect((await leaders()).filter(Boolean)).toHaveLength(1);
    const leader = servers[(await leaders()).indexOf(true)] as ChildServer;
    const [x, y] = servers.filter((s) => s !== leader) as [ChildServer, ChildServer];

    const job = async (on: ChildServer): Promise<string> => {
      const res = await fetch(`${on.url}/api/v1/jobs`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'sleep', parameters: { duration_ms: 200 } }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const completed = async (on: ChildServer, id: string): Promise<void> => {
      await expect
        .poll(async () => ((await (await fetch(`${on.url}/api/v1/jobs/${id}`, { headers: bearer })).json()) as { status: string }).status, { timeout: 15_000 })
        .toBe('completed');
      const { output } = (await (await fetch(`${on.url}/api/v1/jobs/${id}`, { headers: bearer })).json()) as { output: { text: string }[] };
      expect(output.filter((l) => l.text.startsWith('Started'))).toHaveLength(1);
    };

    // Created on an instance that does not run jobs: the leader picks it up from the event.
    await completed(y, await job(x));

    await leader.stop('SIGKILL');
    await expect
      .poll(async () => (await Promise.all([x, y].map(async (s) => /^aether_job_runner_leader 1$/m.test(await scrape(s))))).filter(Boolean).length, {
        timeout: 15_000,
      })
      .toBe(1);
    await completed(x, await job(y));

    await leader.start();
    expect((await leaders()).filter(Boolean)).toHaveLength(1);
    expect(/^aether_job_runner_leader 1$/m.test(await scrape(leader))).toBe(false);
  });

  it(`counts ws-token requests of a session across instances (${mode.name})`, async () => {
    const { jar } = await signIn(balancer.url, 'bob');
    const cookie = jar.header(balancer.url);
    const statuses: number[] = [];
    // WS_TOKEN_REQUESTS_PER_MINUTE defaults to 30: ten rounds over three instances, then one more.
    for (let i = 0; i < 31; i++) statuses.push((await fetch(`${[a, b, c][i % 3]?.url}/auth/ws-token`, { headers: { cookie } })).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});
