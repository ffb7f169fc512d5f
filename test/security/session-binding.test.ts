/**
 * Issue 14, finding 5: a socket opened with an OIDC token and then `refresh`ed with a ws-token
 * from a browser session took the session's expiry but not its id, so logging out of that
 * session left it open (it kept receiving events). A session ws-token now binds the socket to
 * its session: logout closes it with 4003, on every instance (the hub's principal is rebound, and
 * revocation on other instances arrives as the bus control message that matches it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET, USERS, authEnv } from '../helpers/auth-world.js';
import { signIn } from '../helpers/login.js';
import { createTestKey, startProvider, type TestKey, type TestProvider } from '../helpers/oidc-provider.js';
import { freePort } from '../helpers/server.js';
import { connectClient } from '../helpers/ws-client.js';
import { aliceOidcToken, apiTokenHonest, sleep } from './auth-attack.js';
import { devPublish, held, startServer, underAttack, type ChildServer } from './harness.js';
import { API_TOKEN } from '../helpers/auth-world.js';

describe('a socket refreshed with a session ws-token', () => {
  let provider: TestProvider;
  let key: TestKey;
  let server: ChildServer;
  beforeAll(async () => {
    const port = await freePort();
    key = await createTestKey('key-1');
    provider = await startProvider({
      keys: [key],
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`http://127.0.0.1:${port}/auth/callback`],
      users: USERS,
    });
    server = await startServer({ port, env: { AUTH_ENABLED: 'true', ...authEnv(provider.issuer) } });
  });
  afterAll(async () => {
    await server?.close();
    await provider?.close();
  });

  const oidcToken = (): Promise<string> => aliceOidcToken(provider.issuer, key, 300);

  it('closes with 4003 when that session logs out, and gets no event after it', async () => {
    let outcome: { code: number; reason: string } | undefined;
    let afterLogout = 0;
    // Signing in runs the provider in this process: done before the measured part.
    const { jar, final } = await signIn(server.url, 'alice');
    expect(final.status).toBe(302);
    const cookie = jar.header(server.url);
    const socket = await connectClient(`${server.wsUrl}?topics=notifications&token=${await oidcToken()}`);
    await socket.next((m) => m.type === 'initial_state');
    const { token } = (await (await fetch(`${server.url}/auth/ws-token`, { headers: { cookie } })).json()) as { token: string };
    const report = await underAttack(
      'refresh binds to session',
      server,
      async () => {
        socket.send({ type: 'refresh', token });
        await socket.next((m) => m.type === 'refreshed');
        const logout = await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie, origin: server.url } });
        expect(logout.status).toBe(204);
        const seen = socket.received.length;
        await devPublish(server, 'after logout', { authorization: `Bearer ${API_TOKEN}` });
        outcome = await Promise.race([socket.closed, sleep(2000).then(() => undefined)]);
        afterLogout = socket.received.slice(seen).filter((m) => m.type === 'notification').length;
        await socket.close();
      },
      apiTokenHonest,
    );
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    expect(outcome).toEqual({ code: 4003, reason: 'signed out' });
    expect(afterLogout).toBe(0);
  });
});
