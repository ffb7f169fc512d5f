/** Browser sessions: sign-in, cookie attributes, roles at login, CSRF and origins, logout closing sockets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionIdOf } from '../../src/auth/sessions.js';
import type { ControlMessage } from '../../src/bus/types.js';
import { startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';
import { signIn } from '../helpers/login.js';
import { connect } from '../helpers/auth-socket.js';

let world: AuthWorld;

beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => {
  await world?.close();
});

async function session(login: string): Promise<string> {
  const { jar, final } = await signIn(world.app.url, login);
  expect(final.status).toBe(302);
  world.capture.secret(jar.get(world.app.url, 'aether_session'));
  return jar.header(world.app.url);
}

describe('browser sessions', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie and answers /auth/me', async () => {
    const { jar, final } = await signIn(world.app.url, 'bob');
    const setCookie = final.headers.getSetCookie().find((c) => c.startsWith('aether_session='));
    world.capture.secret(jar.get(world.app.url, 'aether_session'));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/); // plain http in the test; Secure over https
    const me = await fetch(`${world.app.url}/auth/me`, { headers: { cookie: jar.header(world.app.url) } });
    expect(await me.json()).toMatchObject({ user: 'bob', name: 'bob', roles: ['user', 'admin'], method: 'session' });
  });

  it('refuses sign-in without the required role (403 naming it) and creates no session', async () => {
    const { jar, final } = await signIn(world.app.url, 'mallory');
    expect(final.status).toBe(403);
    expect((await final.json()).detail).toContain('aether-user');
    expect(jar.get(world.app.url, 'aether_session')).toBeUndefined();
    expect(world.capture.grep(/OIDC login refused for user mallory/).length).toBe(1);
  });

  it('refuses a callback without the pending-login cookie (state/PKCE binding)', async () => {
    const response = await fetch(`${world.app.url}/auth/callback?code=abc&state=def`, { redirect: 'manual' });
    expect(response.status).toBe(401);
  });

  it('answers 401 with WWW-Authenticate on the API without credentials, and for a tampered cookie', async () => {
    const none = await fetch(`${world.app.url}/api/v1/notifications`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const tampered = await fetch(`${world.app.url}/api/v1/notifications`, { headers: { cookie: 'aether_session=abc.def' } });
    expect(tampered.status).toBe(401);
  });

  it('accepts cookie mutations only from an allowed origin (CSRF)', async () => {
    const cookie = await session('alice');
    const put = (headers: Record<string, string>) =>
      fetch(`${world.app.url}/api/v1/notifications/mark-all-read`, { method: 'PUT', headers: { cookie, ...headers } });
    expect((await put({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await put({})).status).toBe(403);
    expect((await put({ origin: world.app.url })).status).toBe(200);
    expect(world.capture.grep(/request refused: origin https:\/\/evil\.example not allowed/).length).toBe(1);
  });

  it('refuses a cross-site page opening a socket with the user cookie', async () => {
    const cookie = await session('alice');
    const evil = await connect(world.app.wsUrl, { headers: { cookie, origin: 'https://evil.example' } });
    const closed = await evil.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('origin');
    expect(world.capture.grep(/WebSocket connection refused: origin https:\/\/evil\.example not allowed from 127\.0\.0\.1/).length).toBe(1);
    const same = await connect(world.app.wsUrl, { headers: { cookie, origin: world.app.url } });
    expect((await same.next()).type).toBe('connection');
    same.close();
  });

  it('logout closes that session’s sockets (cookie and ws-token) with 4003, publishes a control message, and leaves others open', async () => {
    const cookie = await session('alice');
    const other = await session('alice');
    const controls: ControlMessage[] = [];
    const unsubscribe = world.app.server.bus.subscribeControl((m) => controls.push(m));
    const byCookie = await connect(world.app.wsUrl, { headers: { cookie } });
    expect((await byCookie.next()).type).toBe('connection');
    const tokenResponse = await fetch(`${world.app.url}/auth/ws-token`, { headers: { cookie } });
    const { token } = (await tokenResponse.json()) as { token: string };
    world.capture.secret(token);
    const byToken = await connect(`${world.app.wsUrl}?token=${token}`);
    expect((await byToken.next()).type).toBe('connection');
    const spare = (await (await fetch(`${world.app.url}/auth/ws-token`, { headers: { cookie } })).json()) as { token: string };
    world.capture.secret(spare.token);
    const bystander = await connect(world.app.wsUrl, { headers: { cookie: other } });
    expect((await bystander.next()).type).toBe('connection');

    expect((await fetch(`${world.app.url}/auth/logout`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } })).status).toBe(403);
    const logout = await fetch(`${world.app.url}/auth/logout`, { method: 'POST', headers: { cookie, origin: world.app.url } });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie()[0]).toMatch(/^aether_session=;.*Max-Age=0/);
    expect(await byCookie.closed).toEqual({ code: 4003, reason: 'signed out' });
    expect((await byToken.closed).code).toBe(4003);
    // A ws-token is bound to its session: one issued before the logout opens nothing after it.
    const late = await connect(`${world.app.wsUrl}?token=${spare.token}`);
    expect(await late.closed).toEqual({ code: 1008, reason: 'expired: the session behind this token has ended; sign in again' });
    expect(controls).toEqual([{ kind: 'session_revoked', sessionId: expect.any(String) }]);
    unsubscribe();
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    bystander.close();
    expect((await fetch(`${world.app.url}/auth/me`, { headers: { cookie } })).status).toBe(401);
    expect(world.capture.grep(/User alice signed out from 127\.0\.0\.1/).length).toBe(1);
    expect(world.capture.grep(/Client [0-9a-f-]+ \(alice\) disconnected/).length).toBeGreaterThan(0);
  });

  it('closes sockets of a session revoked on another instance (bus control message)', async () => {
    const { jar } = await signIn(world.app.url, 'alice');
    const value = jar.get(world.app.url, 'aether_session') as string;
    world.capture.secret(value);
    const socket = await connect(world.app.wsUrl, { headers: { cookie: jar.header(world.app.url) } });
    expect((await socket.next()).type).toBe('connection');
    world.app.server.bus.publishControl({ kind: 'session_revoked', sessionId: 'some-other-session' });
    await new Promise((r) => setTimeout(r, 100));
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    // What another instance publishes after its logout: the hashed session id, never the cookie.
    world.app.server.bus.publishControl({ kind: 'session_revoked', sessionId: sessionIdOf(value.slice(0, value.lastIndexOf('.'))) });
    expect(await socket.closed).toEqual({ code: 4003, reason: 'session ended; sign in again' });
  });

  it('wrote no token, cookie or secret to any log line', () => {
    expect(world.capture.leaks()).toEqual([]);
  });
});
