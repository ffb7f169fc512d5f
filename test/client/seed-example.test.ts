/**
 * The seed's usage example, as written, run in Node against the real server (the `ws` package
 * stands in for the browser's WebSocket).
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWsClient, type WsClient } from '../../src/client/index.js';
import { startServer, type ChildServer } from '../helpers/server.js';
import { until } from './helpers.js';

let server: ChildServer;
let wsClient: WsClient | undefined;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  wsClient?.close();
  await server?.close();
});

it('runs the seed example against the real server', async () => {
  wsClient = createWsClient({ url: server.wsUrl, WebSocket });
  const log: string[] = [];
  const updates: unknown[] = [];

  // --- the seed's example, verbatim apart from console.log → log.push
  wsClient.subscribe(['jobs', 'inventory']);
  wsClient.on('notification', (message) => {
    updates.push(message);
  });
  wsClient.onConnectionStatus((status, data) => {
    log.push(`status ${status}`);
    if (status === 'connected') log.push('WebSocket connected!');
    void data;
  });
  // ---

  await until(() => wsClient?.isConnected() === true, 10_000, 'connected');
  expect(wsClient.getClientId()).toMatch(/^[0-9a-f-]{36}$/);
  expect(log).toContain('WebSocket connected!');

  const res = await fetch(`${server.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'From the seed example', message: 'hello', level: 'info', category: 'system' }),
  });
  expect(res.status).toBe(201);
  await until(() => updates.length === 1, 10_000, 'the notification event');
  expect(updates[0]).toMatchObject({
    type: 'notification',
    action: 'created',
    topic: 'notifications',
    unread_count: 1,
    data: { title: 'From the seed example' },
  });
});
