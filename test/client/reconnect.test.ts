import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from './fake-server.js';
import { recordedClient, until, type Recorded } from './helpers.js';

let server: FakeServer;
let rec: Recorded | undefined;

beforeEach(async () => {
  server = await startFakeServer();
});
afterEach(async () => {
  rec?.client.close();
  rec = undefined;
  await server.stop();
});

describe('connection lifecycle', () => {
  it('goes connecting → connected and knows its client id', async () => {
    rec = recordedClient({ url: server.url });
    const conn = await server.nextConnection();
    expect(conn.url.pathname).toBe('/ws');
    expect(conn.url.searchParams.get('topics')).toBe('notifications');
    expect(rec.client.isConnected()).toBe(false);
    conn.greet('c-1');
    await rec.waitFor('connected');
    expect(rec.statuses.map((s) => s.status)).toEqual(['connecting', 'connected']);
    expect(rec.client.isConnected()).toBe(true);
    expect(rec.client.getClientId()).toBe('c-1');
    rec.client.close();
    expect(rec.client.getStatus()).toBe('disconnected');
    expect(rec.client.isConnected()).toBe(false);
    expect(rec.client.getClientId()).toBeNull();
  });

  it('passes a fresh token from getToken on every connect', async () => {
    let n = 0;
    rec = recordedClient({ url: server.url, getToken: async () => `tok ${++n}` });
    const first = await server.nextConnection();
    expect(first.url.searchParams.get('token')).toBe('tok 1');
    first.greet('a');
    await rec.waitFor('connected');
    first.close(1011, 'boom');
    const second = await server.nextConnection();
    expect(second.url.searchParams.get('token')).toBe('tok 2');
  });

  it('reconnects after a drop with the seed backoff and reports attempt and delay', async () => {
    rec = recordedClient({ url: server.url });
    (await server.nextConnection()).greet('a');
    await rec.waitFor('connected');
    await server.stop();
    const first = await rec.waitFor('reconnecting', 1);
    expect(first).toMatchObject({ attempt: 1, delayMs: 1000, maxAttempts: 10, code: 1006 });
    const third = await rec.waitFor('reconnecting', 3);
    expect(third).toMatchObject({ attempt: 3, delayMs: 2250 });
    expect(rec.statuses.filter((s) => s.status === 'connecting').map((s) => s.data.attempt)).toContain(2);
    await server.start();
    (await server.nextConnection(5000)).greet('b');
    await rec.waitFor('connected', 2, 5000);
    expect(rec.client.getClientId()).toBe('b');
  });

  it('gives up with failed after maxAttempts, the delays capped at maxDelayMs', async () => {
    rec = recordedClient({ url: server.url, maxAttempts: 12, scale: 0.001 });
    (await server.nextConnection()).greet('a');
    await rec.waitFor('connected');
    await server.stop();
    const failed = await rec.waitFor('failed', 1, 5000);
    expect(failed).toMatchObject({ attempt: 12, maxAttempts: 12 });
    const delays = rec.statuses.filter((s) => s.status === 'reconnecting').map((s) => s.data.delayMs);
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5063, 7594, 11391, 17086, 25629, 30000, 30000, 30000]);
    expect(rec.client.getStatus()).toBe('failed');
  });

  it('reconnectNow after failed starts a fresh attempt budget', async () => {
    await server.stop();
    rec = recordedClient({ url: server.url, maxAttempts: 2 });
    await rec.waitFor('failed');
    await server.start();
    rec.client.reconnectNow();
    (await server.nextConnection()).greet('z');
    await rec.waitFor('connected');
    expect(rec.client.getClientId()).toBe('z');
  });

  it('does not reconnect after close()', async () => {
    rec = recordedClient({ url: server.url });
    (await server.nextConnection()).greet('a');
    await rec.waitFor('connected');
    rec.client.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.connections).toHaveLength(1);
    expect(rec.statuses.at(-1)?.status).toBe('disconnected');
  });
});

describe('keep-alive', () => {
  it('pings every pingIntervalMs while connected', async () => {
    rec = recordedClient({ url: server.url, pingIntervalMs: 5000, watchdogMs: 60_000 });
    const conn = await server.nextConnection();
    conn.greet('a');
    expect(await conn.nextMessage()).toEqual({ type: 'ping' });
    expect(await conn.nextMessage()).toEqual({ type: 'ping' });
  });

  it('the watchdog drops a silent connection and reconnects', async () => {
    rec = recordedClient({ url: server.url, pingIntervalMs: 2000, watchdogMs: 5000 });
    const conn = await server.nextConnection();
    conn.greet('a');
    await rec.waitFor('connected');
    // The server never answers the pings: after 5000 (scaled) ms of silence the client gives up.
    const dropped = await rec.waitFor('reconnecting');
    expect(dropped.reason).toMatch(/nothing received/);
    const next = await server.nextConnection();
    next.greet('b');
    await rec.waitFor('connected', 2);
  });

  it('any message keeps the watchdog quiet', async () => {
    rec = recordedClient({ url: server.url, pingIntervalMs: 1000, watchdogMs: 3000 });
    const conn = await server.nextConnection();
    conn.greet('a');
    for (let i = 0; i < 4; i += 1) {
      await conn.nextMessage();
      conn.send({ type: 'pong', timestamp: new Date().toISOString() });
    }
    expect(rec.statuses.map((s) => s.status)).toEqual(['connecting', 'connected']);
  });
});

describe('authentication closes', () => {
  it('1008 fetches a fresh token and retries, then stops with auth_failed', async () => {
    let calls = 0;
    rec = recordedClient({ url: server.url, getToken: async () => `t${++calls}` });
    for (let i = 0; i < 3; i += 1) (await server.nextConnection()).close(1008, 'invalid token');
    await rec.waitFor('auth_failed');
    expect(calls).toBe(3);
    expect(rec.statuses.at(-1)).toMatchObject({ status: 'auth_failed', data: { code: 1008, reason: 'invalid token' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.connections).toHaveLength(3);
  });

  it('1008 then a good token connects', async () => {
    let calls = 0;
    rec = recordedClient({ url: server.url, getToken: async () => `t${++calls}` });
    (await server.nextConnection()).close(1008, 'token expired');
    const second = await server.nextConnection();
    expect(second.url.searchParams.get('token')).toBe('t2');
    second.greet('ok');
    await rec.waitFor('connected');
  });

  it('1008 without getToken stops at once; so does 4003 session revoked', async () => {
    rec = recordedClient({ url: server.url });
    (await server.nextConnection()).close(1008, 'unauthorized');
    await rec.waitFor('auth_failed');
    rec.client.reconnectNow();
    const again = await server.nextConnection();
    again.greet('x');
    await rec.waitFor('connected');
    again.close(4003, 'session revoked');
    expect(await rec.waitFor('auth_failed', 2)).toMatchObject({ code: 4003 });
    expect(rec.statuses.filter((s) => s.status === 'reconnecting')).toHaveLength(0);
  });

  it('4011 (an administrator) and 4012 (access revoked) stop with the reason and never redial on their own', async () => {
    rec = recordedClient({ url: server.url, getToken: async () => 'fresh' });
    const first = await server.nextConnection();
    first.greet('a');
    await rec.waitFor('connected');
    first.close(4011, 'maintenance on your account');
    expect(await rec.waitFor('auth_failed')).toEqual({ code: 4011, reason: 'maintenance on your account' });
    rec.client.reconnectNow();
    const second = await server.nextConnection();
    second.greet('b');
    await rec.waitFor('connected', 2);
    second.close(4012, 'access revoked');
    expect(await rec.waitFor('auth_failed', 2)).toEqual({ code: 4012, reason: 'access revoked' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.connections).toHaveLength(2);
    expect(rec.statuses.filter((s) => s.status === 'reconnecting')).toHaveLength(0);
  });

  it('a getToken that throws counts as a failed attempt', async () => {
    let calls = 0;
    rec = recordedClient({
      url: server.url,
      getToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error('network down');
        return 'good';
      },
    });
    expect((await rec.waitFor('reconnecting')).reason).toMatch(/getToken failed: network down/);
    const conn = await server.nextConnection();
    expect(conn.url.searchParams.get('token')).toBe('good');
  });
});

describe('errors in callbacks', () => {
  it('a throwing status listener does not break the client', async () => {
    rec = recordedClient({ url: server.url });
    const errors: unknown[] = [];
    const onError = (e: unknown): void => void errors.push(e);
    process.on('uncaughtException', onError);
    const remove = rec.client.onConnectionStatus(() => {
      throw new Error('listener bug');
    });
    try {
      (await server.nextConnection()).greet('a');
      await rec.waitFor('connected');
      await until(() => errors.length > 0);
      expect(rec.client.isConnected()).toBe(true);
    } finally {
      remove();
      process.off('uncaughtException', onError);
    }
  });
});
