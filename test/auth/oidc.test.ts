/** OIDC bearer tokens on REST and /ws, against a real provider's JWKS; key rotation; roles. */
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, CLIENT_ID, startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';
import { createTestKey } from '../helpers/oidc-provider.js';
import { connect } from '../helpers/auth-socket.js';

let world: AuthWorld;

beforeAll(async () => {
  world = await startAuthWorld({ jwksCooldownMs: 0 });
});
afterAll(async () => {
  await world?.close();
});

async function me(token: string): Promise<Response> {
  return fetch(`${world.app.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
}

async function wsClose(token: string): Promise<{ code: number; reason: string }> {
  const socket = await connect(`${world.app.wsUrl}?token=${encodeURIComponent(token)}`);
  return socket.closed;
}

describe('OIDC bearer tokens', () => {
  it('accepts a valid token on REST and on /ws', async () => {
    const token = await world.mint();
    const response = await me(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: 'alice', name: 'alice', roles: ['user'], method: 'oidc' });
    const socket = await connect(world.app.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(await socket.next()).toMatchObject({ type: 'connection', status: 'connected', user: 'alice' });
    expect((await socket.next()).type).toBe('initial_state');
    socket.close();
    expect(world.capture.grep(/WebSocket authenticated for user alice from 127\.0\.0\.1/).length).toBeGreaterThan(0);
  });

  it('refuses an expired token (beyond the clock tolerance) with 401 and 1008', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await world.mint({ exp: now - 120, iat: now - 600 });
    const response = await me(token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await wsClose(token)).toEqual({ code: 1008, reason: 'expired: OIDC token expired' });
    expect(world.capture.grep(/WebSocket authentication failed: expired token from 127\.0\.0\.1/).length).toBeGreaterThan(0);
  });

  it('accepts a token just past exp within the leeway', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await me(await world.mint({ exp: now - 5, iat: now - 300 }))).status).toBe(200);
  });

  it('refuses a wrong issuer', async () => {
    const token = await world.mint({ iss: `${world.provider.issuer}/other` });
    expect((await me(token)).status).toBe(401);
    expect((await wsClose(token)).code).toBe(1008);
  });

  it('refuses a wrong audience', async () => {
    const token = await world.mint({ aud: 'some-other-client' });
    expect((await me(token)).status).toBe(401);
    expect(await wsClose(token)).toEqual({ code: 1008, reason: 'invalid: invalid OIDC token' });
  });

  it('refuses alg: none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({ iss: world.provider.issuer, aud: CLIENT_ID, sub: 'alice', roles: ['aether-user'], iat: now, exp: now + 300 }),
    );
    const token = `${header}.${payload}.`;
    expect((await me(token)).status).toBe(401);
    expect((await me(`${header}.${payload}.c2ln`)).status).toBe(401);
    expect((await wsClose(token)).code).toBe(1008);
  });

  it('refuses HS256 signed with the provider public key', async () => {
    const key = world.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    for (const secret of [JSON.stringify(key.publicJwk), key.publicJwk.n as string]) {
      const token = await new SignJWT({ roles: ['aether-user'] })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .setIssuer(world.provider.issuer)
        .setAudience(CLIENT_ID)
        .setSubject('alice')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(new TextEncoder().encode(secret));
      world.capture.secret(token);
      expect((await me(token)).status).toBe(401);
      expect((await wsClose(token)).code).toBe(1008);
    }
  });

  it('refuses a token without the required role (403 naming it), and 1008 on /ws', async () => {
    const token = await world.mint({ sub: 'mallory', preferred_username: 'mallory', roles: ['visitor'] });
    const response = await me(token);
    expect(response.status).toBe(403);
    expect((await response.json()).detail).toContain('aether-user');
    const closed = await wsClose(token);
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('forbidden');
  });

  it('maps OIDC_ADMIN_ROLE from groups to admin; only admins create notifications', async () => {
    const body = JSON.stringify({ title: 't', message: 'm', level: 'info', category: 'system' });
    const post = (token: string) =>
      fetch(`${world.app.url}/api/v1/notifications`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    const user = await post(await world.mint());
    expect(user.status).toBe(403);
    expect((await user.json()).detail).toContain('admin');
    const admin = await post(await world.mint({ sub: 'bob', preferred_username: 'bob', roles: undefined, groups: [ADMIN_ROLE] }));
    expect(admin.status).toBe(201);
  });

  it('refuses an unknown kid, then accepts it once the provider rotates the key in', async () => {
    await me(await world.mint()); // JWKS fetched with key-1 only
    const next = await createTestKey('key-2', 'ES256');
    const token = await world.mint({}, { key: next });
    expect((await me(token)).status).toBe(401);
    await world.rotate([next, world.keys[0]!]);
    expect((await me(token)).status).toBe(200);
    const socket = await connect(`${world.app.wsUrl}?token=${encodeURIComponent(token)}`);
    expect((await socket.next()).type).toBe('connection');
    socket.close();
  });

  it('closes a socket with 4001 when its OIDC token expires, unless refreshed in-band', async () => {
    const short = await world.mint({}, { expiresInSec: 2 });
    const expiring = await connect(`${world.app.wsUrl}?token=${encodeURIComponent(short)}`);
    expect((await expiring.next()).type).toBe('connection');

    const short2 = await world.mint({}, { expiresInSec: 2 });
    const refreshed = await connect(`${world.app.wsUrl}?token=${encodeURIComponent(short2)}`);
    expect((await refreshed.next()).type).toBe('connection');
    refreshed.send({ type: 'refresh', token: await world.mint({ sub: 'bob' }) });
    expect(await refreshed.nextOfType('error')).toMatchObject({ code: 'forbidden', ref: 'refresh' });
    refreshed.send({ type: 'refresh', token: await world.mint({}, { expiresInSec: 60 }) });
    const answer = await refreshed.nextOfType('refreshed');
    expect(Date.parse(answer.expires_at as string)).toBeGreaterThan(Date.now() + 50_000);

    expect((await expiring.closed).code).toBe(4001);
    await new Promise((r) => setTimeout(r, 500));
    expect(refreshed.ws.readyState).toBe(refreshed.ws.OPEN);
    refreshed.send({ type: 'ping' });
    expect((await refreshed.nextOfType('pong')).type).toBe('pong');
    refreshed.close();
  }, 15_000);

  it('wrote no token or secret to any log line', () => {
    expect(world.capture.lines.length).toBeGreaterThan(10);
    expect(world.capture.leaks()).toEqual([]);
  });
});
