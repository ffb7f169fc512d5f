/** Live delivery: REST changes reach sockets, topic isolation, `all`, per-user state, the seed's server API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { connectClient, connectReady } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({}, { authenticator: multiUserAuthenticator() });
});
afterAll(() => srv.close());

const as = (user: string) => ({ 'x-test-user': user });
const post = (body: unknown, user = 'alice') => api(srv.url, 'POST', '/api/v1/notifications', body, as(user));

describe('notification events', () => {
  it('a POST reaches every subscribed socket; marking read reaches them as updated with the new unread_count', async () => {
    const a = await connectReady(`${srv.wsUrl}?user=carol`);
    const b = await connectReady(`${srv.wsUrl}?user=carol`);
    const before = a.initial.data as { unread_count: number };
    const created = await post({ title: 'Disk full', message: 'hv-01 /var at 99%', level: 'error', category: 'host' }, 'carol');
    expect(created.status).toBe(201);
    for (const c of [a, b]) {
      const event = await c.client.next((m) => m.type === 'notification');
      expect(event).toMatchObject({
        action: 'created',
        topic: 'notifications',
        unread_count: before.unread_count + 1,
        data: { id: created.body.id, title: 'Disk full', read: false },
      });
      expect(typeof event.offset).toBe('number');
    }
    const read = await api(srv.url, 'PUT', `/api/v1/notifications/${created.body.id}/read`, undefined, as('carol'));
    expect(read.body).toMatchObject({ read: true, unread_count: before.unread_count });
    for (const c of [a, b]) {
      expect(await c.client.next((m) => m.type === 'notification')).toMatchObject({
        action: 'updated',
        data: { id: created.body.id, read: true },
        unread_count: before.unread_count,
      });
    }
    await a.client.close();
    await b.client.close();
  });

  it('offsets increase by one per event of the topic', async () => {
    const { client, initial } = await connectReady(`${srv.wsUrl}?user=dave`);
    const start = (initial.positions as Record<string, { offset: number }>).notifications?.offset ?? 0;
    await post({ title: 'one', message: 'x' });
    await post({ title: 'two', message: 'x' });
    const e1 = await client.next((m) => m.type === 'notification');
    const e2 = await client.next((m) => m.type === 'notification');
    expect([e1.offset, e2.offset]).toEqual([start + 1, start + 2]);
    await client.close();
  });

  it('a burst of concurrent POSTs (one group commit, one fan-out group) arrives as one frame per event, in offset order', async () => {
    const { client, initial } = await connectReady(`${srv.wsUrl}?user=erin`);
    const start = (initial.positions as Record<string, { offset: number }>).notifications?.offset ?? 0;
    const unread = (initial.data as { unread_count: number }).unread_count;
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => post({ title: `burst ${i}`, message: 'x' }, 'erin')));
    expect(created.every((r) => r.status === 201)).toBe(true);
    const seen: Record<string, unknown>[] = [];
    for (let i = 0; i < 40; i++) seen.push(await client.next((m) => m.type === 'notification'));
    expect(seen.map((m) => m.offset)).toEqual(Array.from({ length: 40 }, (_, i) => start + i + 1));
    // Each carries the user's unread count as the fan-out found it: never less than the one before, all 40 counted by the last.
    const counts = seen.map((m) => m.unread_count as number);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts[39]).toBeGreaterThanOrEqual(unread + 40);
    expect(new Set(seen.map((m) => (m.data as { id: string }).id))).toEqual(new Set(created.map((r) => r.body.id)));
    await client.close();
  });

  it('a jobs-only client gets no notification; an `all` client gets each event once', async () => {
    const jobsOnly = await connectClient(`${srv.wsUrl}?topics=jobs`);
    const all = await connectClient(`${srv.wsUrl}?topics=notifications,all`);
    await all.next((m) => m.type === 'initial_state');
    await jobsOnly.next((m) => m.type === 'initial_state');
    const created = await post({ title: 'isolation', message: 'x' });
    const got = await all.next((m) => m.type === 'notification');
    expect(got.data).toMatchObject({ id: created.body.id });
    await all.expectNone((m) => m.type === 'notification', 300);
    await jobsOnly.expectNone((m) => m.type === 'notification', 0);
    await jobsOnly.close();
    await all.close();
  });

  it('delete and mark-all-read are pushed as deleted and all_read', async () => {
    const { client } = await connectReady(`${srv.wsUrl}?user=erin`);
    const n = await post({ title: 'to delete', message: 'x' });
    await client.next((m) => m.action === 'created');
    expect((await api(srv.url, 'DELETE', `/api/v1/notifications/${n.body.id}`, undefined, as('erin'))).status).toBe(204);
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'deleted', data: { id: n.body.id } });
    await post({ title: 'unread', message: 'x' });
    await client.next((m) => m.action === 'created');
    const all = await api(srv.url, 'PUT', '/api/v1/notifications/mark-all-read', undefined, as('erin'));
    expect(all.body.unread_count).toBe(0);
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'all_read', unread_count: 0, data: { count: all.body.count } });
    await client.close();
  });
});

describe('per-user state', () => {
  it("one user's read never changes another's badge, and read events go only to that user", async () => {
    const frank = await connectReady(`${srv.wsUrl}?user=frank`);
    const grace = await connectReady(`${srv.wsUrl}?user=grace`);
    const n = await post({ title: 'shared', message: 'for everyone' });
    const fCreated = await frank.client.next((m) => m.action === 'created');
    const gCreated = await grace.client.next((m) => m.action === 'created');
    await api(srv.url, 'PUT', `/api/v1/notifications/${n.body.id}/read`, undefined, as('frank'));
    expect(await frank.client.next((m) => m.action === 'updated')).toMatchObject({ unread_count: (fCreated.unread_count as number) - 1 });
    await grace.client.expectNone((m) => m.action === 'updated', 300);
    const graceView = await api(srv.url, 'GET', `/api/v1/notifications/${n.body.id}`, undefined, as('grace'));
    expect(graceView.body.read).toBe(false);
    const graceList = await api(srv.url, 'GET', '/api/v1/notifications', undefined, as('grace'));
    expect(graceList.body.unread_count).toBe(gCreated.unread_count);
    await frank.client.close();
    await grace.client.close();
  });

  it('a notification addressed to one user reaches only that user', async () => {
    const heidi = await connectReady(`${srv.wsUrl}?user=heidi`);
    const ivan = await connectReady(`${srv.wsUrl}?user=ivan`);
    const n = await post({ title: 'for heidi', message: 'private', recipient: 'heidi' });
    expect(await heidi.client.next((m) => m.action === 'created')).toMatchObject({ data: { id: n.body.id, recipient: 'heidi' } });
    await ivan.client.expectNone((m) => m.action === 'created', 300);
    expect((await api(srv.url, 'GET', `/api/v1/notifications/${n.body.id}`, undefined, as('ivan'))).status).toBe(404);
    await heidi.client.close();
    await ivan.client.close();
  });
});

describe("the seed's server-side API", () => {
  it('broadcast(message, {topic}) reaches that topic and `all` subscribers only', async () => {
    const jobs = await connectClient(`${srv.wsUrl}?topics=jobs`);
    const notif = await connectReady(srv.wsUrl);
    await jobs.next((m) => m.type === 'initial_state');
    const count = srv.server.hub.broadcast({ type: 'custom', data: { hello: 1 } }, { topic: 'jobs' });
    expect(count).toBeGreaterThanOrEqual(1);
    expect(await jobs.next((m) => m.type === 'custom')).toEqual({ type: 'custom', data: { hello: 1 }, topic: 'jobs' });
    await notif.client.expectNone((m) => m.type === 'custom', 200);
    await jobs.close();
    await notif.client.close();
  });

  it('sendPersonalMessage(clientId, message) reaches that client only', async () => {
    const a = await connectReady(srv.wsUrl);
    const b = await connectReady(srv.wsUrl);
    expect(srv.server.hub.sendPersonalMessage(a.connection.client_id as string, { type: 'custom', data: { only: 'a' } })).toBe(true);
    expect(await a.client.next((m) => m.type === 'custom')).toEqual({ type: 'custom', data: { only: 'a' } });
    await b.client.expectNone((m) => m.type === 'custom', 200);
    expect(srv.server.hub.sendPersonalMessage('no-such-client', { type: 'x' })).toBe(false);
    await a.client.close();
    await b.client.close();
  });

  it('cleans up disconnected clients at once, and a dead socket never breaks a broadcast', async () => {
    const before = srv.server.hub.size;
    const gone = await connectReady(srv.wsUrl);
    const alive = await connectReady(srv.wsUrl);
    gone.client.ws.terminate();
    await gone.client.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.server.hub.size).toBe(before + 1);
    await post({ title: 'after a drop', message: 'x' });
    expect(await alive.client.next((m) => m.action === 'created')).toMatchObject({ data: { title: 'after a drop' } });
    await alive.client.close();
  });

  it("the seed's automated test: notificationService.createNotification broadcasts to sockets", async () => {
    const { client } = await connectReady(srv.wsUrl);
    const { notification } = await srv.server.notificationService.createNotification({
      title: 'Test',
      message: 'Test message',
      level: 'info',
      category: 'system',
    });
    expect(notification).not.toBeNull();
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'created', data: { id: notification.id, title: 'Test' } });
    await client.close();
  });
});
