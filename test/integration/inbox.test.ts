/**
 * The inbox over REST and WS: conditions raised, raised again and resolved (one entry, pushed to
 * everyone it is addressed to); each per-user state (seen, archived, snoozed) with its event to that
 * user only and the unread count untouched; a snooze that ends comes back live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { connectReady } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({}, { authenticator: multiUserAuthenticator() });
});
afterAll(() => srv.close());

const as = (user: string) => ({ 'x-test-user': user });
const call = (method: string, path: string, body?: unknown, user = 'alice') => api(srv.url, method, `/api/v1/notifications${path}`, body, as(user));
let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${(seq += 1)}`;

describe('conditions', () => {
  it('raise creates, raise again updates count and last seen in place, resolve ends it; each pushed', async () => {
    const key = `host:${unique('hv')}:unreachable`;
    const { client } = await connectReady(`${srv.wsUrl}?user=carol`);
    const first = await call('POST', '', { title: 'hv unreachable', message: 'no heartbeat', level: 'error', category: 'host', condition_key: key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ condition_key: key, count: 1, resolved_at: null, read: false, seen: false, archived: false, snoozed_until: null });
    const created = await client.next((m) => m.type === 'notification');
    expect(created).toMatchObject({ action: 'created', data: { id: first.body.id, condition_key: key, count: 1 } });
    const unread = created.unread_count as number;

    const again = await call('POST', '', { title: 'hv unreachable', message: 'still none', level: 'error', category: 'host', condition_key: key });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, count: 2, message: 'still none', created_at: first.body.created_at });
    const raised = await client.next((m) => m.type === 'notification');
    expect(raised).toMatchObject({
      action: 'raised',
      unread_count: unread,
      data: { id: first.body.id, condition_key: key, count: 2, message: 'still none', resolved_at: null },
    });

    const list = await call('GET', `?condition_key=${encodeURIComponent(key)}&state=all`);
    expect(list.body.notifications).toHaveLength(1);

    const resolved = await call('POST', '/resolve', { condition_key: key });
    expect(resolved.status).toBe(200);
    expect(resolved.body.resolved_at).toEqual(expect.stringMatching(/Z$/));
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({
      action: 'resolved',
      unread_count: unread,
      data: { id: first.body.id, count: 2 },
    });
    expect((await call('POST', '/resolve', { condition_key: key })).status).toBe(404);

    // Raised after it was resolved: a new entry.
    const next = await call('POST', '', { title: 'hv unreachable', message: 'again', level: 'error', category: 'host', condition_key: key });
    expect(next.status).toBe(201);
    expect(next.body.id).not.toBe(first.body.id);
    await client.close();
  });

  it('resolve with read marks it read for the caller, pushed as updated', async () => {
    const key = unique('job:j:failed');
    const raised = await call('POST', '', { title: 'Job failed', message: 'x', level: 'error', category: 'job', condition_key: key }, 'erin');
    const { client, initial } = await connectReady(`${srv.wsUrl}?user=erin`);
    const before = (initial.data as { unread_count: number }).unread_count;
    const resolved = await call('POST', '/resolve', { condition_key: key, read: true }, 'erin');
    expect(resolved.body).toMatchObject({ id: raised.body.id, read: true, unread_count: before - 1 });
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'resolved' });
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'updated', data: { read: true }, unread_count: before - 1 });
    await client.close();
  });

  it('validates condition keys and refuses resolve to a reader', async () => {
    const bad = await call('POST', '', { title: 't', message: 'm', condition_key: 'has space' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail ?? bad.body.message ?? JSON.stringify(bad.body)).toMatch(/condition_key/);
    expect((await call('POST', '/resolve', { condition_key: 'x' }, 'viewer-1')).status).toBe(403);
  });
});

describe('per-user state', () => {
  it('seen, archive, unarchive, snooze, unsnooze: each answered over REST and pushed to that user only', async () => {
    const n = await call('POST', '', { title: unique('state'), message: 'm' });
    const id = n.body.id as string;
    const frank = await connectReady(`${srv.wsUrl}?user=frank`);
    const grace = await connectReady(`${srv.wsUrl}?user=grace`);
    const unread = (frank.initial.data as { unread_count: number }).unread_count;
    const steps: Array<[string, unknown, string, Record<string, unknown>]> = [
      ['seen', undefined, 'seen', { seen: true, read: false }],
      ['archive', undefined, 'archived', { archived: true }],
      ['unarchive', undefined, 'unarchived', { archived: false }],
      ['snooze', { minutes: 60 }, 'snoozed', { snoozed_until: expect.stringMatching(/Z$/) }],
      ['unsnooze', undefined, 'unsnoozed', { snoozed_until: null }],
    ];
    for (const [path, body, action, fields] of steps) {
      const r = await call('PUT', `/${id}/${path}`, body, 'frank');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id, ...fields, unread_count: unread });
      expect(await frank.client.next((m) => m.type === 'notification')).toMatchObject({ action, data: { id, ...fields }, unread_count: unread });
    }
    // Grace saw none of it, and her view of the notification is untouched.
    await call('POST', '', { title: 'marker', message: 'm', recipient: 'grace' });
    expect(await grace.client.next((m) => m.type === 'notification')).toMatchObject({ action: 'created', data: { title: 'marker' } });
    expect((await call('GET', `/${id}`, undefined, 'grace')).body).toMatchObject({ seen: false, archived: false, snoozed_until: null });
    // A repeat changes nothing and pushes nothing.
    await call('PUT', `/${id}/seen`, undefined, 'frank');
    await call('POST', '', { title: 'marker2', message: 'm', recipient: 'frank' });
    expect(await frank.client.next((m) => m.type === 'notification')).toMatchObject({ action: 'created', data: { title: 'marker2' } });
    await frank.client.close();
    await grace.client.close();
  });

  it('archived and snoozed leave the default list and the snapshot; state= shows them', async () => {
    const user = unique('henry');
    const a = await call('POST', '', { title: 'to archive', message: 'm', recipient: user });
    const s = await call('POST', '', { title: 'to snooze', message: 'm', recipient: user });
    await call('PUT', `/${a.body.id}/archive`, undefined, user);
    await call('PUT', `/${s.body.id}/snooze`, { until: new Date(Date.now() + 3_600_000).toISOString() }, user);
    const ids = async (query: string) => ((await call('GET', query, undefined, user)).body.notifications as Array<{ id: string }>).map((n) => n.id);
    expect(await ids('?limit=500')).not.toContain(a.body.id);
    expect(await ids('?limit=500')).not.toContain(s.body.id);
    expect(await ids('?state=archived')).toEqual([a.body.id]);
    expect(await ids('?state=snoozed')).toEqual([s.body.id]);
    expect(await ids('?state=all&limit=500')).toEqual(expect.arrayContaining([a.body.id, s.body.id]));
    const { client, initial } = await connectReady(`${srv.wsUrl}?user=${user}`);
    const shown = (initial.data as { notifications: Array<{ id: string }> }).notifications.map((n) => n.id);
    expect(shown).not.toContain(a.body.id);
    expect(shown).not.toContain(s.body.id);
    await client.close();
  });

  it('a snooze that ends comes back live as unsnoozed', async () => {
    const user = unique('ivy');
    const n = await call('POST', '', { title: 'back soon', message: 'm', recipient: user });
    const { client } = await connectReady(`${srv.wsUrl}?user=${user}`);
    const until = new Date(Date.now() + 1_200).toISOString();
    await call('PUT', `/${n.body.id}/snooze`, { until }, user);
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'snoozed' });
    const back = await client.next((m) => m.type === 'notification', 5_000);
    expect(back).toMatchObject({ action: 'unsnoozed', data: { id: n.body.id, snoozed_until: null } });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));
    await client.close();
  });

  it('bounds: seen takes at most 100 ids, a snooze at most 30 days ahead and in the future', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `id-${i}`);
    expect((await call('PUT', '/seen', { ids })).status).toBe(400);
    const n = await call('POST', '', { title: 'b', message: 'm' });
    expect((await call('PUT', `/${n.body.id}/snooze`, { minutes: 31 * 24 * 60 })).status).toBe(400);
    expect((await call('PUT', `/${n.body.id}/snooze`, { until: '2020-01-01T00:00:00Z' })).status).toBe(400);
    expect((await call('PUT', `/${n.body.id}/snooze`, {})).status).toBe(400);
    const seen = await call('PUT', '/seen', { ids: [n.body.id] });
    expect(seen.body.notifications[0]).toMatchObject({ id: n.body.id, seen: true });
  });
});
