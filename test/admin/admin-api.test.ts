/**
 * The admin API on one instance with real authentication (OIDC tokens from a real provider, the
 * API token): 403 for non-admins, the listing, force-disconnect with the reason the client gets
 * (4011), the audit line (no tokens), access changes taking effect on open sockets (4012, roles
 * taken away), a `refresh` with other roles, the bounds (reason length, actions per minute), and
 * the CLI. Runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type TestSocket } from '../helpers/auth-socket.js';
import { ADMIN_ROLE, API_TOKEN, startAuthWorld, USER_ROLE, type AuthWorld } from '../helpers/auth-world.js';
import { runCli } from '../cli/run.js';
import { signIn } from '../helpers/login.js';

let world: AuthWorld;
let adminToken: string;
let userToken: string;
beforeAll(async () => {
  world = await startAuthWorld({ env: { ADMIN_ACTIONS_PER_MINUTE: '40' } });
  adminToken = await world.mint({ sub: 'bob', preferred_username: 'bob', roles: [USER_ROLE, ADMIN_ROLE] });
  userToken = await world.mint({ sub: 'alice', preferred_username: 'alice', roles: [USER_ROLE] });
});
afterAll(() => world?.close());

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(world.app.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

async function open(token: string): Promise<TestSocket> {
  const socket = await connect(`${world.app.wsUrl}?topics=notifications,jobs`, { headers: { authorization: `Bearer ${token}` } });
  expect(await socket.nextOfType('connection')).toMatchObject({ status: 'connected' });
  return socket;
}

describe('admin API (one instance)', () => {
  it('answers 403 to a user without the admin role on every admin route', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/v1/admin/connections', undefined],
      ['POST', '/api/v1/admin/disconnect', { user: 'bob', reason: 'x' }],
      ['GET', '/api/v1/admin/users/bob/access', undefined],
      ['PUT', '/api/v1/admin/users/bob/access', { blocked: true, reason: 'x' }],
    ] as const) {
      const r = await call(method, path, userToken, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body).toEqual({ detail: 'requires role admin', code: 'forbidden' });
    }
  });

  it('lists connections with user, transport, address and topics, filters by user, and disconnects one with the reason', async () => {
    const alice = await open(userToken);
    const bob = await open(adminToken);
    const all = await call('GET', '/api/v1/admin/connections', adminToken);
    expect(all.status).toBe(200);
    expect(all.body.instances).toHaveLength(1);
    const mine = await call('GET', '/api/v1/admin/connections?user=alice', adminToken);
    expect(mine.body.connections).toHaveLength(1);
    const row = mine.body.connections[0];
    expect(row).toMatchObject({ user: 'alice', name: 'alice', transport: 'websocket', remote_address: '127.0.0.1', session: null, method: 'oidc' });
    expect(row.topics).toEqual(['notifications', 'jobs']);
    expect(row.instance).toBe(all.body.instances[0]);
    expect(row.frames_out).toBeGreaterThan(0);

    const done = await call('POST', '/api/v1/admin/disconnect', adminToken, { connection: row.id, reason: 'maintenance on your account' });
    expect(done.body).toMatchObject({ closed: 1, sessions_ended: 0 });
    expect(await alice.closed).toEqual({ code: 4011, reason: 'maintenance on your account' });
    // Only that connection: bob's stays open.
    bob.send({ type: 'ping' });
    expect(await bob.nextOfType('pong')).toMatchObject({ type: 'pong' });
    const audit = world.capture.grep(/"audit":"admin"/).map((l) => JSON.parse(l));
    expect(audit.find((l) => l.action === 'disconnect')).toMatchObject({
      actor: 'bob',
      target: { connection: row.id },
      reason: 'maintenance on your account',
      closed: 1,
    });
    expect(world.capture.leaks()).toEqual([]);
    bob.close();
  });

  it("a disconnect by session closes that session's socket with the reason and ends the session", async () => {
    const { jar } = await signIn(world.app.url, 'alice');
    world.capture.secret(jar.get(world.app.url, 'aether_session'));
    const cookie = jar.header(world.app.url);
    const byCookie = await connect(world.app.wsUrl, { headers: { cookie } });
    expect(await byCookie.nextOfType('connection')).toMatchObject({ status: 'connected' });
    const bearer = await open(userToken);
    const listed = await call('GET', '/api/v1/admin/connections?user=alice', adminToken);
    const session = listed.body.connections.find((c: { session: string | null }) => c.session !== null)?.session as string;
    expect(session).toEqual(expect.any(String));
    const done = await call('POST', '/api/v1/admin/disconnect', adminToken, { session, reason: 'session reset' });
    expect(done.body).toMatchObject({ closed: 1, sessions_ended: 1 });
    expect(await byCookie.closed).toEqual({ code: 4011, reason: 'session reset' });
    expect((await fetch(`${world.app.url}/auth/me`, { headers: { cookie } })).status).toBe(401);
    // The user's other connection, without that session, stays.
    bearer.send({ type: 'ping' });
    expect(await bearer.nextOfType('pong')).toMatchObject({ type: 'pong' });
    bearer.close();
    expect(world.capture.leaks()).toEqual([]);
  });

  it('refuses a reason over 100 bytes and a disconnect without exactly one target', async () => {
    expect((await call('POST', '/api/v1/admin/disconnect', adminToken, { user: 'alice', reason: 'é'.repeat(51) })).status).toBe(400);
    expect((await call('POST', '/api/v1/admin/disconnect', adminToken, { user: 'alice', session: 's', reason: 'x' })).status).toBe(400);
    expect((await call('POST', '/api/v1/admin/disconnect', adminToken, { reason: 'x' })).status).toBe(400);
  });

  it('taking the admin role away applies at once: the socket stays, without the role; REST answers 403', async () => {
    const carol = await world.mint({ sub: 'carol', preferred_username: 'carol', roles: [USER_ROLE, ADMIN_ROLE] });
    const socket = await open(carol);
    const r = await call('PUT', '/api/v1/admin/users/carol/access', adminToken, { revoked_roles: ['admin'], reason: 'left the ops team' });
    expect(r.body).toMatchObject({ user: 'carol', blocked: false, revoked_roles: ['admin'], closed: 0 });
    const listed = await call('GET', '/api/v1/admin/connections?user=carol', adminToken);
    expect(listed.body.connections[0].roles).toEqual(['user']);
    expect((await call('GET', '/api/v1/admin/connections', carol)).status).toBe(403);
    socket.send({ type: 'ping' });
    expect(await socket.nextOfType('pong')).toMatchObject({ type: 'pong' });
    expect((await call('GET', '/api/v1/admin/users/carol/access', adminToken)).body).toMatchObject({ revoked_roles: ['admin'], updated_by: 'bob' });
    socket.close();
  });

  it('blocking a user closes their sockets with 4012 and refuses them from then on', async () => {
    const dave = await world.mint({ sub: 'dave', preferred_username: 'dave', roles: [USER_ROLE] });
    const socket = await open(dave);
    const r = await call('PUT', '/api/v1/admin/users/dave/access', adminToken, { blocked: true, reason: 'account compromised' });
    expect(r.body).toMatchObject({ blocked: true, closed: 1 });
    expect((await socket.closed).code).toBe(4012);
    expect((await call('GET', '/api/v1/inventory', dave)).status).toBe(403);
    const again = await connect(world.app.wsUrl, { headers: { authorization: `Bearer ${dave}` } });
    expect((await again.closed).code).toBe(1008);
    // Unblocked, the same token works again.
    await call('PUT', '/api/v1/admin/users/dave/access', adminToken, { blocked: false, reason: 'cleaned up' });
    expect((await call('GET', '/api/v1/inventory', dave)).status).toBe(200);
    expect((await call('PUT', '/api/v1/admin/users/bob/access', adminToken, { blocked: true, reason: 'self' })).status).toBe(409);
  });

  it('a refresh with a token carrying other roles changes the socket; one without the user role closes it with 4012', async () => {
    const erin = await world.mint({ sub: 'erin', preferred_username: 'erin', roles: [USER_ROLE, ADMIN_ROLE] });
    const socket = await open(erin);
    socket.send({ type: 'refresh', token: await world.mint({ sub: 'erin', preferred_username: 'erin', roles: [USER_ROLE] }) });
    expect(await socket.nextOfType('refreshed')).toMatchObject({ type: 'refreshed' });
    expect((await call('GET', '/api/v1/admin/connections?user=erin', adminToken)).body.connections[0].roles).toEqual(['user']);
    socket.send({ type: 'refresh', token: await world.mint({ sub: 'erin', preferred_username: 'erin', roles: ['visitor'] }) });
    expect(await socket.nextOfType('error')).toMatchObject({ code: 'forbidden', ref: 'refresh' });
    expect((await socket.closed).code).toBe(4012);
  });

  it('the CLI lists and disconnects with the API token; a user token exits 3', async () => {
    const alice = await open(userToken);
    const env = { AETHER_URL: world.app.url, AETHER_TOKEN: API_TOKEN };
    const listed = await runCli(['connections', '--user', 'alice', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).connections).toHaveLength(1);
    const table = await runCli(['connections'], { env });
    expect(table.stdout).toMatch(/alice\s+websocket\s+127\.0\.0\.1/);
    expect((await runCli(['disconnect', '--user', 'alice'], { env })).code).toBe(2);
    const done = await runCli(['disconnect', '--user', 'alice', '--reason', 'cli says bye'], { env });
    expect(done.stdout).toMatch(/^closed 1 connection\(s\) on 1 instance\(s\)/);
    expect(await alice.closed).toEqual({ code: 4011, reason: 'cli says bye' });
    expect((await runCli(['connections'], { env: { ...env, AETHER_TOKEN: userToken } })).code).toBe(3);
  });

  it('bounds admin actions per admin per minute (429 with Retry-After)', async () => {
    let refused: { status: number; headers: Headers } | undefined;
    // Reading an access record counts like any admin action, without a listing's round trip to
    // every instance over the bus.
    for (let i = 0; i < 45 && refused === undefined; i++) {
      const r = await call('GET', '/api/v1/admin/users/nobody/access', adminToken);
      if (r.status !== 200) refused = r;
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
