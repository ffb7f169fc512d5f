/**
 * The client library over Server-Sent Events against the real server: by option, and by falling
 * back when a proxy in front refuses WebSocket upgrades; the same API, statuses and events, and a
 * gapless resume when the server ends the stream mid-burst.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsClient, type GenericMessage, type WsClient } from '../../src/client/index.js';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { startNoUpgradeProxy, type NoUpgradeProxy } from '../helpers/no-upgrade-proxy.js';

let app: Running;
let proxy: NoUpgradeProxy;

beforeAll(async () => {
  app = await startInProcess();
  proxy = await startNoUpgradeProxy(app.url);
});
afterAll(async () => {
  await proxy?.close();
  await app?.close();
});

async function notify(title: string): Promise<void> {
  const response = await fetch(`${app.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, message: 'client over sse', level: 'info', category: 'system' }),
  });
  expect(response.status).toBe(201);
}

function waitFor(client: WsClient, type: string, match: (m: GenericMessage) => boolean = () => true, timeoutMs = 5000): Promise<GenericMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const handler = (m: GenericMessage): void => {
      if (!match(m)) return;
      clearTimeout(timer);
      client.off(type, handler);
      resolve(m);
    };
    client.on(type, handler);
  });
}

function connected(client: WsClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.getStatus() === 'connected') return resolve();
    const stop = client.onConnectionStatus((status) => {
      if (status !== 'connected') return;
      stop();
      resolve();
    });
  });
}

describe('the client over SSE', () => {
  it("with transport: 'sse': connects, receives events, subscribes through the stream's endpoint", async () => {
    const client = createWsClient({ url: app.wsUrl, transport: 'sse', browserEvents: false, pingIntervalMs: 200 });
    await connected(client);
    expect(client.getTransport()).toBe('sse');
    const event = waitFor(client, 'notification', (m) => (m.data as { title?: string }).title === 'sse one');
    await notify('sse one');
    expect((await event).topic).toBe('notifications');
    const jobs = waitFor(client, 'initial_state', (m) => 'jobs' in (m.positions as object));
    client.subscribe('jobs');
    await jobs;
    await waitFor(client, 'pong'); // pings go as requests, pongs come on the stream
    client.close();
  });

  it('falls back to SSE when a proxy refuses the WebSocket upgrade, and stays live', async () => {
    const client = createWsClient({ url: proxy.wsUrl, WebSocket, transport: 'auto', browserEvents: false, baseDelayMs: 50, jitter: 0 });
    await connected(client);
    expect(proxy.refused).toBeGreaterThan(0);
    expect(client.getTransport()).toBe('sse');
    const event = waitFor(client, 'notification', (m) => (m.data as { title?: string }).title === 'through the proxy');
    await notify('through the proxy');
    await event;
    client.close();
  });

  it('resumes without a gap when the server ends the stream mid-burst', async () => {
    const client = createWsClient({ url: app.wsUrl, transport: 'sse', browserEvents: false, baseDelayMs: 50, jitter: 0 });
    await connected(client);
    const offsets: number[] = [];
    let resumed = 0;
    client.on('notification', (m) => void offsets.push(m.offset));
    client.on('resumed', (m) => void (resumed += m.recovered ? 1 : 0));
    const total = 30;
    const start = client.getPositions().notifications?.offset ?? 0;
    const writing = (async () => {
      for (let i = 0; i < total; i += 1) {
        await notify(`resume ${i}`);
        if (i === 10) app.server.hub.closeWhere(() => true, 1012, 'test: stream ended');
      }
    })();
    await writing;
    for (let waited = 0; offsets.at(-1) !== start + total && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => start + 1 + i));
    expect(resumed).toBeGreaterThan(0); // it did reconnect, and replayed rather than snapshotted
    client.close();
  });
});
