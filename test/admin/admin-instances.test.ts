/**
 * The admin API across instances (postgres project only): two servers on one PostgreSQL database,
 * once with Redis as the bus and once on PostgreSQL alone (LISTEN/NOTIFY, whose 8000-byte payload
 * limit splits long answers into parts). A listing from one instance shows the connections of both
 * and names both instances, as soon as both answered; a disconnect asked of one closes the user's sockets on both with the
 * reason (4011); blocking a user on one closes their socket on the other (4012), and taking a role
 * away shows on the other's socket at once.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type TestSocket } from '../helpers/auth-socket.js';
import { ADMIN_ROLE, CLIENT_ID, CLIENT_SECRET, USERS, USER_ROLE, authEnv } from '../helpers/auth-world.js';
import { startServer, type TestServer } from '../helpers/inproc-server.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { createTestKey, startProvider, type TestKey, type TestProvider } from '../helpers/oidc-provider.js';
import { BUS_MODES } from '../scale/bus-modes.js';
import { createPostgresDatabase, onPostgres } from '../services/database.js';

async function mint(provider: TestProvider, key: TestKey, sub: string, roles: readonly string[]): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ preferred_username: sub, roles: [...roles] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(provider.issuer)
    .setAudience(CLIENT_ID)
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(key.privateKey);
}

for (const mode of BUS_MODES) {
  describe(`admin API across two instances (${mode.name})`, () => {
    let provider: TestProvider;
    let key: TestKey;
    let a: TestServer;
    let b: TestServer;
    let admin: string;
    const capture = createLogCapture();

    beforeAll(async () => {
      if (!onPostgres()) throw new Error('this suite needs TEST_DATABASE=postgres (the postgres vitest project)');
      key = await createTestKey('key-1');
      provider = await startProvider({ keys: [key], clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: ['http://127.0.0.1/cb'], users: USERS });
      const databaseUrl = await createPostgresDatabase();
      const env = {
        ...authEnv(provider.issuer),
        DATABASE_URL: databaseUrl,
        // Long, so that a request waiting it out (instead of finishing once both answered) shows.
        ADMIN_SCATTER_TIMEOUT_MS: '5000',
        WS_MAX_CONNECTIONS_PER_USER: '50',
        ...(await mode.setup(databaseUrl)),
      };
      a = await startServer(env, capture);
      b = await startServer(env, capture);
      admin = await mint(provider, key, 'bob', [USER_ROLE, ADMIN_ROLE]);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await provider?.close();
      await mode.teardown();
    });

    async function call(server: TestServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
      const headers: Record<string, string> = { authorization: `Bearer ${admin}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, body: await response.json() };
    }

    async function open(server: TestServer, token: string): Promise<TestSocket> {
      const socket = await connect(server.wsUrl, { headers: { authorization: `Bearer ${token}` } });
      expect(await socket.nextOfType('connection')).toMatchObject({ status: 'connected' });
      return socket;
    }

    it('a listing asked of A shows the connections of both instances, a long answer whole', async () => {
      const crowd = await mint(provider, key, 'crowd', [USER_ROLE]);
      const onA = await open(a, crowd);
      const onB = await Promise.all(Array.from({ length: 30 }, () => open(b, crowd)));
      const started = performance.now();
      const listed = await call(a, 'GET', '/api/v1/admin/connections?user=crowd&limit=100');
      // Done once both instances answered (A knows B from presence), not at the 5 s timeout.
      expect(performance.now() - started).toBeLessThan(2500);
      expect(listed.status).toBe(200);
      expect(listed.body.instances).toHaveLength(2);
      // B's 30 rows are about 10 kB of JSON: over NOTIFY's limit, so they come in parts.
      expect(listed.body.connections).toHaveLength(31);
      expect(listed.body.matched).toBe(31);
      expect(new Set(listed.body.connections.map((c: { instance: string }) => c.instance)).size).toBe(2);
      const capped = await call(b, 'GET', '/api/v1/admin/connections?user=crowd&limit=5');
      expect(capped.body).toMatchObject({ matched: 31, truncated: true });
      expect(capped.body.connections).toHaveLength(5);
      for (const s of [onA, ...onB]) s.close();
    });

    it("a disconnect asked of B closes the user's sockets on both instances with the reason", async () => {
      const alice = await mint(provider, key, 'alice', [USER_ROLE]);
      const onA = await open(a, alice);
      const onB = await open(b, alice);
      const done = await call(b, 'POST', '/api/v1/admin/disconnect', { user: 'alice', reason: 'rotating credentials' });
      expect(done.body).toMatchObject({ closed: 2 });
      expect(done.body.instances).toHaveLength(2);
      expect(await onA.closed).toEqual({ code: 4011, reason: 'rotating credentials' });
      expect(await onB.closed).toEqual({ code: 4011, reason: 'rotating credentials' });
    });

    it('access changed on A: a blocked user loses the socket on B (4012), a revoked role is gone from B at once', async () => {
      const dave = await mint(provider, key, 'dave', [USER_ROLE]);
      const carol = await mint(provider, key, 'carol', [USER_ROLE, ADMIN_ROLE]);
      const daveOnB = await open(b, dave);
      const carolOnB = await open(b, carol);
      const blocked = await call(a, 'PUT', '/api/v1/admin/users/dave/access', { blocked: true, reason: 'offboarded' });
      expect(blocked.body).toMatchObject({ closed: 1 });
      expect((await daveOnB.closed).code).toBe(4012);
      await call(a, 'PUT', '/api/v1/admin/users/carol/access', { revoked_roles: ['admin'], reason: 'left the ops team' });
      const listed = await call(a, 'GET', '/api/v1/admin/connections?user=carol');
      expect(listed.body.connections[0].roles).toEqual(['user']);
      carolOnB.close();
    });
  });
}
