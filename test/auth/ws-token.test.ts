/** ws-tokens: the token module with a frozen clock, and the browser flow against a real server. */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsTokens, WS_TOKEN_AUDIENCE, WS_TOKEN_ISSUER } from '../../src/auth/ws-token.js';
import type { Principal } from '../../src/auth/principal.js';
import { SESSION_SECRET, startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';
import { signIn } from '../helpers/login.js';
import { connect } from '../helpers/auth-socket.js';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop';
const ALICE: Principal = { id: 'alice', name: 'alice', roles: ['user'], method: 'session', sessionId: 'sess-1' };

describe('ws-token module (frozen clock)', () => {
  let nowMs = Date.parse('2026-01-01T00:00:00Z');
  const tokens = createWsTokens({ secret: SECRET, ttlSec: 300, now: () => nowMs });

  it('issues a token that verifies once, carrying the seed claims', async () => {
    const { token, expiresIn } = await tokens.issue(ALICE);
    expect(expiresIn).toBe(300);
    const result = await tokens.verify(token);
    expect(result).toEqual({
      ok: true,
      principal: { id: 'alice', name: 'alice', roles: ['user'], method: 'ws-token', sessionId: 'sess-1', expiresAt: nowMs + 300_000 },
    });
  });

  it('refuses reuse', async () => {
    const { token } = await tokens.issue(ALICE);
    expect((await tokens.verify(token)).ok).toBe(true);
    expect(await tokens.verify(token)).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringContaining('already used') });
  });

  it('expires after 300 s', async () => {
    const { token } = await tokens.issue(ALICE);
    nowMs += 299_000;
    const almost = await tokens.verify(token);
    expect(almost.ok).toBe(true);
    const { token: second } = await tokens.issue(ALICE);
    nowMs += 300_000;
    expect(await tokens.verify(second)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses a wrong audience and a wrong signature', async () => {
    const iat = Math.floor(nowMs / 1000);
    const sign = (aud: string, secret: string) =>
      new SignJWT({ roles: ['user'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(WS_TOKEN_ISSUER)
        .setAudience(aud)
        .setSubject('alice')
        .setIssuedAt(iat)
        .setExpirationTime(iat + 60)
        .setJti(`j-${aud}-${secret.length}`)
        .sign(new TextEncoder().encode(secret));
    expect(await tokens.verify(await sign('api', SECRET))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await tokens.verify(await sign(WS_TOKEN_AUDIENCE, `${SECRET}-other`))).toMatchObject({ ok: false, reason: 'invalid' });
    const { token } = await tokens.issue(ALICE);
    const [h, p, s] = token.split('.');
    const flipped = `${h}.${p}.${(s as string).startsWith('A') ? 'B' : 'A'}${(s as string).slice(1)}`;
    expect((await tokens.verify(flipped)).ok).toBe(false);
    expect((await tokens.verify(await sign(WS_TOKEN_AUDIENCE, SECRET))).ok).toBe(true);
  });
});

describe('ws-token flow against a real server and provider', () => {
  let world: AuthWorld;
  let cookie: string;

  beforeAll(async () => {
    world = await startAuthWorld({ env: { WS_TOKEN_REQUESTS_PER_MINUTE: '8' } });
    const { jar, final } = await signIn(world.app.url, 'alice');
    expect(final.status).toBe(302);
    expect(final.headers.get('location')).toBe('/');
    cookie = jar.header(world.app.url);
    world.capture.secret(jar.get(world.app.url, 'aether_session'));
  });
  afterAll(async () => {
    await world?.close();
  });

  async function wsToken(): Promise<string> {
    const response = await fetch(`${world.app.url}/auth/ws-token`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string; expires_in: number };
    expect(body.expires_in).toBe(300);
    world.capture.secret(body.token);
    return body.token;
  }

  it('requires a session', async () => {
    const response = await fetch(`${world.app.url}/auth/ws-token`);
    expect(response.status).toBe(401);
    const bearer = await fetch(`${world.app.url}/auth/ws-token`, { headers: { authorization: `Bearer ${await world.mint()}` } });
    expect(bearer.status).toBe(401);
  });

  it('connects with ?token= (the seed flow); the token cannot be used twice', async () => {
    const token = await wsToken();
    const socket = await connect(`${world.app.wsUrl}?token=${token}`);
    expect(await socket.next()).toMatchObject({ type: 'connection', user: 'alice' });
    socket.close();
    const again = await connect(`${world.app.wsUrl}?token=${token}`);
    const closed = await again.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('already used');
    expect(world.capture.grep(/WebSocket authentication failed: invalid token from 127\.0\.0\.1/).length).toBeGreaterThan(0);
  });

  it('connects with the token in Sec-WebSocket-Protocol and echoes aether-v', async () => {
    const socket = await connect(world.app.wsUrl, { protocols: ['aether-v', `token.${await wsToken()}`] });
    expect(socket.protocol).toBe('aether-v');
    expect((await socket.next()).type).toBe('connection');
    socket.close();
  });

  it('connects with a first auth message, and says nothing before it', async () => {
    const socket = await connect(world.app.wsUrl);
    await expect(socket.next(300)).rejects.toThrow(/no message/);
    socket.send({ type: 'auth', token: await wsToken() });
    expect(await socket.next()).toMatchObject({ type: 'connection', user: 'alice' });
    socket.close();
  });

  it('closes 1008 when the first message is not auth, or a bad token is sent', async () => {
    const first = await connect(world.app.wsUrl);
    first.send({ type: 'subscribe', topics: ['notifications'] });
    expect((await first.closed).code).toBe(1008);
    const bad = await connect(world.app.wsUrl);
    bad.send({ type: 'auth', token: 'not-a-token-at-all' });
    expect((await bad.closed).code).toBe(1008);
  });

  it('accepts the session cookie itself on /ws', async () => {
    const socket = await connect(world.app.wsUrl, { headers: { cookie } });
    expect(await socket.next()).toMatchObject({ type: 'connection', user: 'alice' });
    socket.close();
  });

  it('rate limits /auth/ws-token per session with 429 and Retry-After', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 10 && limited === undefined; i++) {
      const response = await fetch(`${world.app.url}/auth/ws-token`, { headers: { cookie } });
      if (response.status === 429) limited = response;
      else world.capture.secret(((await response.json()) as { token: string }).token);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('wrote no token, cookie or secret to any log line', () => {
    world.capture.secret(SESSION_SECRET);
    expect(world.capture.grep(/User alice signed in from/).length).toBe(1);
    expect(world.capture.leaks()).toEqual([]);
  });
});
