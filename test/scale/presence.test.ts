/**
 * Presence across three server processes (A, B, C) on one PostgreSQL, once with Redis and once on
 * PostgreSQL alone: members on different instances see each other join and leave; a tab that
 * reconnects to another instance within the grace period does not flap; the members of an instance
 * that shuts down (SIGTERM) leave after the grace period; the members of an
 * instance killed with SIGKILL leave after PRESENCE_INSTANCE_TIMEOUT_MS; and an instance that
 * starts again learns the membership of the others at once (it asks on start).
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, USER_ROLE, USERS, CLIENT_SECRET, authEnv } from '../helpers/auth-world.js';
import { createTestKey, startProvider, type TestKey, type TestProvider } from '../helpers/oidc-provider.js';
import { startServer, type ChildServer } from '../helpers/server.js';
import { connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';
import { createPostgresDatabase } from '../services/database.js';
import { BUS_MODES } from './bus-modes.js';

const GRACE_MS = 800;
const TIMEOUT_MS = 4000;
const TOPIC = 'inventory:hv-01';

describe.each(BUS_MODES)('presence across three instances, bus: $name', (mode) => {
  let provider: TestProvider;
  let key: TestKey;
  let a: ChildServer;
  let b: ChildServer;
  let c: ChildServer;
  const open: TestClient[] = [];

  async function token(user: string): Promise<string> {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ preferred_username: `${user} (name)`, roles: [USER_ROLE] })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(provider.issuer)
      .setAudience(CLIENT_ID)
      .setSubject(user)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 600)
      .sign(key.privateKey);
  }

  /** `user` on `server`, watching TOPIC's presence; resolves with its `state`. */
  async function watch(server: ChildServer, user: string): Promise<{ client: TestClient; state: Msg }> {
    const { client } = await connectReady(server.wsUrl, { headers: { authorization: `Bearer ${await token(user)}` } });
    open.push(client);
    client.send({ type: 'subscribe', topics: [TOPIC], presence: true });
    const state = await client.next((m) => m.type === 'presence' && m.action === 'state');
    return { client, state };
  }

  const change = (action: string, user: string) => (m: Msg) =>
    m.type === 'presence' && m.topic === TOPIC && m.action === action && (m.member as { user_id: string }).user_id === user;
  const users = (state: Msg): string[] => (state.members as { user_id: string }[]).map((m) => m.user_id);

  beforeAll(async () => {
    const databaseUrl = await createPostgresDatabase();
    const busEnv = await mode.setup(databaseUrl);
    key = await createTestKey('key-1');
    provider = await startProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: ['http://127.0.0.1/cb'], users: USERS, keys: [key] });
    const env = {
      DATABASE_URL: databaseUrl,
      ...busEnv,
      AUTH_ENABLED: 'true',
      ALLOW_DEV_AUTH: 'false',
      ...authEnv(provider.issuer),
      PRESENCE_LEAVE_GRACE_MS: String(GRACE_MS),
      PRESENCE_HEARTBEAT_MS: '1500',
      PRESENCE_INSTANCE_TIMEOUT_MS: String(TIMEOUT_MS),
    };
    [a, b, c] = await Promise.all([startServer({ env }), startServer({ env }), startServer({ env })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((client) => client.close()));
    await Promise.allSettled([a?.close(), b?.close(), c?.close()]);
    await provider?.close();
    await mode.teardown();
  });

  it('shows members on other instances, with their names, and their join and leave', async () => {
    const alice = await watch(a, 'alice');
    const bob = await watch(b, 'bob');
    expect(bob.state).toMatchObject({ count: 2, members: [{ user_id: 'alice', name: 'alice (name)', connections: 1 }, { user_id: 'bob' }] });
    expect(await alice.client.next(change('join', 'bob'))).toMatchObject({ member: { name: 'bob (name)', connections: 1 } });
    await bob.client.close();
    const closedAt = Date.now();
    await alice.client.next(change('leave', 'bob'), 10_000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
  });

  it('does not flap when a tab reconnects to another instance within the grace period', async () => {
    const alice = await watch(a, 'alice');
    const carol = await watch(b, 'carol');
    await alice.client.next(change('join', 'carol'));
    await carol.client.close();
    const again = await watch(c, 'carol');
    expect(users(again.state)).toContain('carol');
    await alice.client.expectNone((m) => m.type === 'presence' && (m.member as { user_id: string }).user_id === 'carol' && m.action !== 'update', GRACE_MS * 3);
  });

  it('lets the members of a killed instance leave after the instance timeout, and a restarted instance asks for the state', async () => {
    const alice = await watch(a, 'alice');
    await watch(c, 'dave');
    await alice.client.next(change('join', 'dave'));
    // From the moment the signal goes: the exit event can reach a busy test process much later.
    const killedAt = Date.now();
    await c.stop('SIGKILL');
    await alice.client.next(change('leave', 'dave'), 15_000);
    const waited = Date.now() - killedAt;
    expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS - 400);
    await c.start();
    // A heartbeats every 1.5 s: a state at once comes from the sync the restarted C asked for.
    const erin = await watch(c, 'erin');
    expect(users(erin.state)).toContain('alice');
  });

  it('lets the members of an instance that shuts down (SIGTERM) leave after the grace period, not the timeout', async () => {
    const alice = await watch(a, 'alice');
    await watch(b, 'frank');
    await alice.client.next(change('join', 'frank'));
    const stopping = Date.now();
    await b.stop('SIGTERM');
    await alice.client.next(change('leave', 'frank'), 15_000);
    // It said presence_bye: the others waited the grace period, not PRESENCE_INSTANCE_TIMEOUT_MS.
    expect(Date.now() - stopping).toBeLessThan(TIMEOUT_MS - 500);
    await b.start();
  });
});

describe('presence across WORKERS=3 on SQLite (the IPC bus)', () => {
  let server: ChildServer;
  const open: TestClient[] = [];
  beforeAll(async () => {
    server = await startServer({ env: { WORKERS: '3', PRESENCE_LEAVE_GRACE_MS: '200' } });
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(open.map((client) => client.close()));
    await server?.close();
  });

  it('shows every socket of the port, whichever worker took it', async () => {
    // Dev mode: every socket is dev-user, so the count of connections is what tells the workers apart.
    const states: Msg[] = [];
    for (let i = 0; i < 6; i++) {
      const { client } = await connectReady(server.wsUrl);
      open.push(client);
      client.send({ type: 'subscribe', topics: ['jobs:ipc'], presence: true });
      states.push(await client.next((m) => m.type === 'presence' && m.action === 'state'));
    }
    // Sockets are spread over the workers: the sixth sees all six, counted on every worker.
    expect(states[5]).toMatchObject({ count: 1, members: [{ user_id: 'dev-user', connections: 6 }] });
    const first = open[0] as TestClient;
    await open[5]?.close();
    await first.next((m) => m.type === 'presence' && m.action === 'update' && (m.member as { connections: number }).connections === 5, 5000);
  });
});
