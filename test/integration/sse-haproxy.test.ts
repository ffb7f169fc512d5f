/**
 * /sse through a real HAProxy (docs/OPERATIONS.md's defaults, with its client/server timeouts cut
 * to 1 s so the test is short): the heartbeat keeps a quiet stream open past them, and events
 * still arrive unbuffered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { openSse } from '../helpers/sse-client.js';
import { startHaproxy, type PrivateHaproxy } from '../services/processes.js';

let app: Running;
let balancer: PrivateHaproxy;

beforeAll(async () => {
  app = await startInProcess({ SSE_HEARTBEAT_MS: '300' });
  balancer = await startHaproxy([Number(new URL(app.url).port)], { clientServerTimeout: '1s' });
});
afterAll(async () => {
  await balancer?.stop();
  await app?.close();
});

it('keeps a quiet stream open through HAProxy past its timeouts, and events arrive', async () => {
  const stream = await openSse(`${balancer.url}/sse?topics=notifications`);
  expect(stream.status).toBe(200);
  await stream.next((m) => m.type === 'initial_state');
  await new Promise((r) => setTimeout(r, 2500)); // more than twice HAProxy's 1 s timeouts, in silence
  const response = await fetch(`${app.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'through haproxy', message: 'sse', level: 'info', category: 'system' }),
  });
  expect(response.status).toBe(201);
  expect((await stream.next((m) => m.type === 'notification', 3000)).data).toMatchObject({ title: 'through haproxy' });
  stream.close();
});
