/** Persistence across restarts, retention, resume after a restart, and graceful shutdown with 1001. */
import net, { type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { API_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { api, startInProcess } from '../helpers/inprocess.js';
import { connectClient, connectReady } from '../helpers/ws-client.js';

describe('lifecycle', () => {
  it('keeps notifications, read state and offsets across a restart', async () => {
    const first = await startInProcess();
    const n = await api(first.url, 'POST', '/api/v1/notifications', { title: 'persist', message: 'x' });
    await api(first.url, 'PUT', `/api/v1/notifications/${n.body.id}/read`);
    const second = await first.restart();
    const got = await api(second.url, 'GET', `/api/v1/notifications/${n.body.id}`);
    expect(got.body).toMatchObject({ title: 'persist', read: true });
    const { client, initial } = await connectReady(second.wsUrl);
    expect((initial.positions as Record<string, { offset: number }>).notifications?.offset).toBe(2);
    expect(second.server.store.epoch).toBe(first.server.store.epoch);
    await client.close();
    await second.close();
  });

  it('closes sockets with 1001 and a reason on shutdown', async () => {
    const srv = await startInProcess();
    const { client } = await connectReady(srv.wsUrl);
    await srv.close();
    const closed = await client.closed;
    expect(closed.code).toBe(1001);
    expect(closed.reason).toMatch(/shutting down/);
  });

  it('waits for every socket to answer its 1001 before it stops, up to SHUTDOWN_CLOSE_WAIT_MS, then cuts the rest', async () => {
    const srv = await startInProcess({
      AUTH_ENABLED: 'true',
      ALLOW_DEV_AUTH: 'false',
      SESSION_SECRET_KEY: SESSION_SECRET,
      API_TOKEN,
      SHUTDOWN_CLOSE_WAIT_MS: '400',
    });
    const { client: answering } = await connectReady(srv.wsUrl, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    // Open but not yet admitted (no credential yet): the hub does not hold it, the stop closes it all the same.
    const waiting = await connectClient(srv.wsUrl);
    // Reads nothing, so it never answers the close frame: it is cut when the wait runs out.
    const { client: silent } = await connectReady(srv.wsUrl, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    (silent.ws as unknown as { _socket: Socket })._socket.pause();
    let answeredBeforeStop = false;
    void Promise.all([answering.closed, waiting.closed]).then(() => (answeredBeforeStop = true));

    const started = Date.now();
    await srv.close();
    const tookMs = Date.now() - started;
    // The two that answered had finished their close handshakes before the server was done.
    expect(answeredBeforeStop).toBe(true);
    expect(await answering.closed).toMatchObject({ code: 1001 });
    expect(await waiting.closed).toMatchObject({ code: 1001 });
    expect(tookMs).toBeGreaterThanOrEqual(350);
    const line = srv.logs.find((l) => l.includes('WebSockets closed for shutdown'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ closed: 2, cut: 1, waitMs: 400 });
    // The silent one's close frame was sent before it was cut: it reads it once it reads again.
    (silent.ws as unknown as { _socket: Socket })._socket.resume();
    expect((await silent.closed).code).toBe(1001);
  });

  it('refuses new connections from the moment the stop begins, while its sockets still close', async () => {
    const srv = await startInProcess({ SHUTDOWN_CLOSE_WAIT_MS: '1000' });
    const { client: silent } = await connectReady(srv.wsUrl);
    (silent.ws as unknown as { _socket: Socket })._socket.pause();
    const stopping = srv.close();
    // The stop now waits for the silent socket: a balancer retries a refused connection elsewhere.
    await new Promise((r) => setTimeout(r, 100));
    const port = Number(new URL(srv.url).port);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('accepted');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    await stopping;
  });

  /**
   * Starts the stop on a server held by a socket that never answers its 1001, and completes a
   * request on a connection accepted before the stop (its head sent in two parts, so that it is
   * not idle when the stop begins). Resolves with the answer's head and the stop itself.
   */
  async function requestDuringStop(firstLine: string, rest: string): Promise<{ head: string; stopping: Promise<void> }> {
    const srv = await startInProcess({ SHUTDOWN_CLOSE_WAIT_MS: '1000' });
    const { client: silent } = await connectReady(srv.wsUrl);
    (silent.ws as unknown as { _socket: Socket })._socket.pause();
    const raw = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    raw.write(`${firstLine}\r\nHost: 127.0.0.1\r\n`);
    let answer = '';
    raw.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    await new Promise((r) => setTimeout(r, 50));
    const stopping = srv.close();
    await new Promise((r) => setTimeout(r, 100));
    raw.write(rest);
    await expect.poll(() => answer.includes('\r\n\r\n'), { timeout: 5000 }).toBe(true);
    raw.destroy();
    return { head: answer.slice(0, answer.indexOf('\r\n\r\n')), stopping };
  }

  it('answers an upgrade that arrives during the stop with 503 and Retry-After', async () => {
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const { head, stopping } = await requestDuringStop('GET /ws HTTP/1.1', upgrade);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(head).toContain('Retry-After: 1');
    await stopping;
  });

  it('answers an event stream asked for during the stop with 503, and the stop does not wait for it', async () => {
    const { head, stopping } = await requestDuringStop('GET /sse HTTP/1.1', 'Accept: text/event-stream\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(head.toLowerCase()).toContain('retry-after: 1');
    // A stream opened now would hold the stop until its client left.
    await stopping;
  });

  it('stops at once when every socket answers its 1001', async () => {
    const srv = await startInProcess({ SHUTDOWN_CLOSE_WAIT_MS: '30000' });
    const clients = await Promise.all(Array.from({ length: 5 }, () => connectReady(srv.wsUrl)));
    const started = Date.now();
    await srv.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const { client } of clients) expect((await client.closed).code).toBe(1001);
    const line = srv.logs.find((l) => l.includes('WebSockets closed for shutdown'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ closed: 5, cut: 0 });
  });

  it('enforces retention by count and pushes the removals as deleted events', async () => {
    const srv = await startInProcess({ NOTIFICATION_RETENTION_COUNT: '3' });
    const { client } = await connectReady(srv.wsUrl);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api(srv.url, 'POST', '/api/v1/notifications', { title: `r${i}`, message: 'x' })).body.id);
    const list = await api(srv.url, 'GET', '/api/v1/notifications');
    expect(list.body.total_count).toBe(3);
    expect((list.body.notifications as { id: string }[]).map((n) => n.id)).toEqual(ids.slice(2).reverse());
    const deleted: unknown[] = [];
    for (let i = 0; i < 2; i++) deleted.push((await client.next((m) => m.action === 'deleted')).data);
    expect(deleted).toEqual([
      { id: ids[0], reason: 'retention' },
      { id: ids[1], reason: 'retention' },
    ]);
    await client.close();
    await srv.close();
  });

  it('enforces retention by age', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const srv = await startInProcess({ NOTIFICATION_RETENTION_DAYS: '1' }, { now: () => new Date(now) });
    const old = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'old', message: 'x' });
    now += 2 * 86_400_000;
    const fresh = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'fresh', message: 'x' });
    expect(await srv.server.notificationService.sweep()).toBe(1);
    expect((await api(srv.url, 'GET', `/api/v1/notifications/${old.body.id}`)).status).toBe(404);
    expect((await api(srv.url, 'GET', `/api/v1/notifications/${fresh.body.id}`)).status).toBe(200);
    await srv.close();
  });

  it('resumes after a restart with exactly the missed events, or recovered:false past the log', async () => {
    const srv = await startInProcess({ EVENT_LOG_RETENTION_COUNT: '10' });
    const { client, initial } = await connectReady(srv.wsUrl);
    const position = (initial.positions as Record<string, { offset: number; epoch: string }>).notifications;
    await client.close();
    const missed: string[] = [];
    for (let i = 0; i < 3; i++) missed.push((await api(srv.url, 'POST', '/api/v1/notifications', { title: `m${i}`, message: 'x' })).body.id);
    const again = await connectReady(srv.wsUrl);
    again.client.send({ type: 'resume', positions: { notifications: position } });
    expect(await again.client.next((m) => m.type === 'resumed')).toMatchObject({
      topic: 'notifications',
      recovered: true,
      replayed: 3,
      position: { offset: 3 },
    });
    const replayed = [];
    for (let i = 0; i < 3; i++) replayed.push(await again.client.next((m) => m.type === 'notification'));
    expect(replayed.map((e) => (e.data as { id: string }).id)).toEqual(missed);
    expect(replayed.map((e) => e.offset)).toEqual([1, 2, 3]);
    again.client.send({ type: 'resume', positions: { notifications: { offset: 1, epoch: 'another-epoch' } } });
    expect(await again.client.next((m) => m.type === 'resumed')).toMatchObject({ recovered: false, reason: 'epoch_changed' });
    expect(await again.client.next((m) => m.type === 'initial_state')).toMatchObject({ positions: { notifications: { offset: 3 } } });
    await again.client.close();
    await srv.close();
  });
});
