/**
 * /sse with authentication on (a real OIDC provider): the four credentials /ws takes open a
 * stream, none (or a foreign Origin) gets a `close` event with 1008 and no data, and only the
 * stream's own user may change its subscriptions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';
import { signIn } from '../helpers/login.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';

let world: AuthWorld;

beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => {
  await world?.close();
});

async function opened(stream: SseClient): Promise<string> {
  expect(stream.status).toBe(200);
  const first = await stream.next();
  expect(first.type).toBe('connection');
  return first.client_id as string;
}

function changeSubscriptions(clientId: string, headers: Record<string, string>, body: unknown = { type: 'subscribe', topics: ['jobs'] }): Promise<Response> {
  return fetch(`${world.app.url}/sse/${clientId}/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('/sse with authentication on', () => {
  it('refuses a stream without credentials with a close event (1008) and nothing else', async () => {
    const stream = await openSse(`${world.app.url}/sse`);
    expect(stream.status).toBe(200);
    expect(await stream.next()).toMatchObject({ type: 'close', code: 1008, reason: expect.stringMatching(/^missing: /) as unknown });
    await stream.ended;
    expect(stream.received.map((r) => r.msg.type)).toEqual(['close']);
  });

  it('refuses a foreign Origin before looking at the credential', async () => {
    const stream = await openSse(`${world.app.url}/sse?token=${await world.mint()}`, { headers: { origin: 'https://evil.example' } });
    expect(await stream.next()).toMatchObject({ type: 'close', code: 1008, reason: expect.stringMatching(/^forbidden: /) as unknown });
  });

  it('opens with each of the four credentials: OIDC bearer, API token, session cookie, ws-token', async () => {
    const bearer = await openSse(`${world.app.url}/sse`, { headers: { authorization: `Bearer ${await world.mint()}` } });
    const api = await openSse(`${world.app.url}/sse`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const { jar } = await signIn(world.app.url, 'alice');
    const cookie = jar.header(world.app.url);
    world.capture.secret(jar.get(world.app.url, 'aether_session'));
    const session = await openSse(`${world.app.url}/sse`, { headers: { cookie } });
    const { token } = (await (await fetch(`${world.app.url}/auth/ws-token`, { headers: { cookie } })).json()) as { token: string };
    world.capture.secret(token);
    const wsToken = await openSse(`${world.app.url}/sse?token=${encodeURIComponent(token)}`);
    for (const stream of [bearer, api, session, wsToken]) {
      await opened(stream);
      expect((await stream.next()).type).toBe('initial_state');
      stream.close();
    }
    // `?token=` is in the stream's URL: the access log line redacts it, as for every request.
    await new Promise((r) => setTimeout(r, 100));
    expect(world.capture.leaks()).toEqual([]);
  });

  it("lets only the stream's own user change its subscriptions", async () => {
    const stream = await openSse(`${world.app.url}/sse`, { headers: { authorization: `Bearer ${await world.mint()}` } });
    const clientId = await opened(stream);
    await stream.next((m) => m.type === 'initial_state');
    // Bob (another user) gets the answer an unknown id gets; nothing reaches the stream.
    const bob = await world.mint({ sub: 'bob', preferred_username: 'bob' });
    expect((await changeSubscriptions(clientId, { authorization: `Bearer ${bob}` })).status).toBe(404);
    expect((await changeSubscriptions(clientId, {})).status).toBe(401);
    // Alice's browser session must name an allowed Origin (CSRF), as for every REST change.
    const { jar } = await signIn(world.app.url, 'alice');
    const cookie = jar.header(world.app.url);
    world.capture.secret(jar.get(world.app.url, 'aether_session'));
    expect((await changeSubscriptions(clientId, { cookie })).status).toBe(403);
    expect((await changeSubscriptions(clientId, { cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await changeSubscriptions(clientId, { cookie, origin: world.app.url })).status).toBe(202);
    expect(await stream.next()).toMatchObject({ type: 'subscription', status: 'subscribed', topics: ['jobs'] });
    expect(stream.received.filter((r) => r.msg.type === 'subscription')).toHaveLength(1);
    stream.close();
  });
});
