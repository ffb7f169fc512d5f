/** A socket refreshed with a session's ws-token is bound to that session, on this instance and on others. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';
import { connect } from '../helpers/auth-socket.js';
import { signIn } from '../helpers/login.js';

let world: AuthWorld;

beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => {
  await world?.close();
});

const within = <T>(p: Promise<T>, ms = 3000): Promise<T | 'still open'> =>
  Promise.race([p, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

async function sessionToken(): Promise<{ sessionId: string; token: string }> {
  const { jar } = await signIn(world.app.url, 'alice');
  const cookie = jar.header(world.app.url);
  world.capture.secret(jar.get(world.app.url, 'aether_session'));
  const me = (await (await fetch(`${world.app.url}/auth/ws-token`, { headers: { cookie } })).json()) as { token: string };
  world.capture.secret(me.token);
  const payload = JSON.parse(Buffer.from(me.token.split('.')[1] as string, 'base64url').toString()) as { sid: string };
  return { sessionId: payload.sid, token: me.token };
}

describe('refresh with a session ws-token', () => {
  it('binds an OIDC socket to the session: revocation from another instance closes it with 4003', async () => {
    const socket = await connect(`${world.app.wsUrl}?token=${await world.mint()}`);
    expect((await socket.next()).type).toBe('connection');
    const { sessionId, token } = await sessionToken();
    socket.send({ type: 'refresh', token });
    expect((await socket.nextOfType('refreshed')).type).toBe('refreshed');
    // What another instance publishes after a logout there.
    world.app.server.bus.publishControl({ kind: 'session_revoked', sessionId });
    expect(await within(socket.closed)).toEqual({ code: 4003, reason: 'session ended; sign in again' });
  });

  it('keeps the binding across a later refresh with an OIDC token', async () => {
    const socket = await connect(`${world.app.wsUrl}?token=${await world.mint()}`);
    expect((await socket.next()).type).toBe('connection');
    const { sessionId, token } = await sessionToken();
    socket.send({ type: 'refresh', token });
    await socket.nextOfType('refreshed');
    socket.send({ type: 'refresh', token: await world.mint() });
    await socket.nextOfType('refreshed');
    world.app.server.bus.publishControl({ kind: 'session_revoked', sessionId });
    expect(await within(socket.closed)).toMatchObject({ code: 4003 });
  });

  it('leaves a socket without a session binding open when some session is revoked', async () => {
    const socket = await connect(`${world.app.wsUrl}?token=${await world.mint()}`);
    expect((await socket.next()).type).toBe('connection');
    const { sessionId } = await sessionToken();
    world.app.server.bus.publishControl({ kind: 'session_revoked', sessionId });
    await new Promise((r) => setTimeout(r, 100));
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  });
});
