/**
 * GET /sse on a real server (development auth): the same messages as /ws, event ids that carry the
 * positions, a gapless resume with Last-Event-ID after the stream is cut mid-burst, subscription
 * changes through POST /sse/{id}/subscriptions, heartbeats, and the limits (per-IP slots, a reader
 * that never reads is ended while an honest one keeps receiving).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { openSse, type SseClient, type SseMsg } from '../helpers/sse-client.js';

let app: Running;

beforeAll(async () => {
  app = await startInProcess({ SSE_HEARTBEAT_MS: '200', WS_MAX_BUFFERED_BYTES: '262144', WS_MAX_CONNECTIONS_PER_IP: '6' });
});
afterAll(async () => {
  await app?.close();
});

async function notify(title: string): Promise<void> {
  const response = await fetch(`${app.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, message: 'sse test', level: 'info', category: 'system' }),
  });
  expect(response.status).toBe(201);
}

function post(stream: SseClient, clientId: string, body: unknown): Promise<Response> {
  void stream;
  return fetch(`${app.url}/sse/${clientId}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const isNotification = (m: SseMsg): boolean => m.type === 'notification';

describe('GET /sse', () => {
  it('streams connection, initial_state and events, each event with an id holding its position', async () => {
    const stream = await openSse(`${app.url}/sse?topics=notifications`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect((await stream.next()).type).toBe('connection');
    const initial = await stream.next();
    expect(initial.type).toBe('initial_state');
    const { offset, epoch } = (initial.positions as Record<string, { offset: number; epoch: string }>).notifications as { offset: number; epoch: string };
    expect(stream.lastId).toBe(`1|${epoch}|notifications=${offset}`);
    await notify('over sse');
    const event = await stream.next(isNotification);
    expect(event).toMatchObject({ action: 'created', topic: 'notifications', offset: offset + 1, data: { title: 'over sse' } });
    expect(stream.lastId).toBe(`1|${epoch}|notifications=${offset + 1}`);
    await new Promise((r) => setTimeout(r, 500));
    expect(stream.comments).toBeGreaterThan(0); // heartbeats every SSE_HEARTBEAT_MS
    stream.close();
  });

  it('resumes gapless with Last-Event-ID after the stream is cut mid-burst', async () => {
    const first = await openSse(`${app.url}/sse?topics=notifications`);
    await first.next((m) => m.type === 'initial_state');
    const start = first.lastId as string;
    const startOffset = Number(/notifications=(\d+)/.exec(start)?.[1]);
    const total = 40;
    const writing = (async () => {
      for (let i = 0; i < total; i += 1) await notify(`burst ${i}`);
    })();
    for (let i = 0; i < 5; i += 1) await first.next(isNotification);
    first.close(); // cut while the burst goes on
    const cutAt = first.lastId as string;
    const seenFirst = first.received.filter((r) => r.msg.type === 'notification').map((r) => r.msg.offset as number);
    const second = await openSse(`${app.url}/sse?topics=notifications`, { headers: { 'last-event-id': cutAt } });
    expect((await second.next()).type).toBe('connection');
    expect(await second.next()).toMatchObject({ type: 'resumed', topic: 'notifications', recovered: true });
    await writing;
    const seenSecond: number[] = [];
    while (seenSecond.at(-1) !== startOffset + total) seenSecond.push((await second.next(isNotification)).offset as number);
    const all = [...seenFirst, ...seenSecond];
    expect(all).toEqual(Array.from({ length: total }, (_, i) => startOffset + 1 + i));
    expect(second.received.some((r) => r.msg.type === 'initial_state')).toBe(false);
    second.close();
  });

  it('changes subscriptions through POST /sse/{id}/subscriptions, and the id carries them', async () => {
    const stream = await openSse(`${app.url}/sse?topics=notifications`);
    const clientId = (await stream.next()).client_id as string;
    await stream.next((m) => m.type === 'initial_state');
    const answer = await post(stream, clientId, { type: 'subscribe', topics: ['jobs'] });
    expect(answer.status).toBe(202);
    expect(await stream.next()).toMatchObject({ type: 'subscription', status: 'subscribed', topics: ['jobs'] });
    const jobsState = await stream.next((m) => m.type === 'initial_state');
    expect(Object.keys(jobsState.positions as object)).toEqual(['jobs']);
    const idOf = (type: string): string | undefined => stream.received.findLast((r) => r.msg.type === type)?.id;
    expect(idOf('subscription')).toMatch(/^1\|[^|]+\|notifications=\d+\|notifications,jobs$/);
    expect(idOf('initial_state')).toMatch(/^1\|[^|]+\|notifications=\d+,jobs=\d+\|notifications,jobs$/);
    // A reconnect with that id keeps both subscriptions, though the URL names one.
    const again = await openSse(`${app.url}/sse?topics=notifications`, { headers: { 'last-event-id': stream.lastId as string } });
    await again.next((m) => m.type === 'connection');
    const resumed = [await again.next(), await again.next()].map((m) => [m.type, m.topic, m.recovered]);
    expect(resumed.sort()).toEqual([
      ['resumed', 'jobs', true],
      ['resumed', 'notifications', true],
    ]);
    // Requests are checked as frames are: a bad one is a 400, an unknown stream a 404.
    expect((await post(stream, clientId, { type: 'subscribe', topics: 'jobs' })).status).toBe(400);
    expect((await post(stream, '00000000-0000-0000-0000-000000000000', { type: 'ping' })).status).toBe(404);
    expect((await post(stream, clientId, { type: 'ping' })).status).toBe(202);
    expect((await stream.next()).type).toBe('pong');
    stream.close();
    again.close();
  });

  it('starts from snapshots with an error when Last-Event-ID is not one of ours', async () => {
    const stream = await openSse(`${app.url}/sse`, { headers: { 'last-event-id': 'x'.repeat(5000) } });
    expect((await stream.next()).type).toBe('connection');
    expect((await stream.next((m) => m.type === 'initial_state')).type).toBe('initial_state');
    expect(await stream.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_message', ref: 'connect' });
    stream.close();
  });

  it('ends a stream whose reader never reads, while an honest reader keeps receiving', async () => {
    const honest = await openSse(`${app.url}/sse?topics=notifications`);
    const stalled = await openSse(`${app.url}/sse?topics=notifications`, { paused: true });
    await honest.next((m) => m.type === 'initial_state');
    await new Promise((r) => setTimeout(r, 100));
    const big = 'x'.repeat(60_000);
    // Paced, so a reader that keeps reading never holds more than a few frames unsent.
    for (let i = 0; i < 300; i += 1) {
      app.server.hub.broadcast({ type: 'bulk', i, big }, { topic: 'notifications' });
      await new Promise((r) => setTimeout(r, 2));
    }
    // A paused socket does not notice the reset, so the server's word is taken: it ended one stream with 4009.
    const slow = (): string[] => app.logs.filter((l) => l.includes('SSE client') && l.includes('"code":4009'));
    for (let waited = 0; slow().length === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(slow()).toHaveLength(1);
    stalled.close();
    await honest.next((m) => m.type === 'bulk' && m.i === 299, 10_000);
    await notify('after the flood');
    expect((await honest.next(isNotification)).data).toMatchObject({ title: 'after the flood' });
    honest.close();
  });

  it('holds the per-IP limit: 429 past WS_MAX_CONNECTIONS_PER_IP, a slot back when a stream ends', async () => {
    await new Promise((r) => setTimeout(r, 200)); // earlier streams' slots come back as their sockets close
    const streams = await Promise.all(Array.from({ length: 6 }, () => openSse(`${app.url}/sse`)));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const refused = await openSse(`${app.url}/sse`);
    expect(refused.status).toBe(429);
    streams[0]?.close();
    await new Promise((r) => setTimeout(r, 200));
    const next = await openSse(`${app.url}/sse`);
    expect(next.status).toBe(200);
    for (const s of [...streams, next]) s.close();
  });
});
