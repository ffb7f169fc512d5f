/**
 * Inbox filters and counts: list and count by level, category, state and condition; the tabs'
 * unread counts (`filter_counts`) in the snapshot and every event, exact after a burst of
 * concurrent writes; bulk read/archive by filter up to a cutoff; and the bounds (filters per
 * count request, rows per bulk call).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { connectReady, type Msg } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ NOTIFICATION_RETENTION_COUNT: '5000' }, { authenticator: multiUserAuthenticator() });
});
afterAll(() => srv.close());

const as = (user: string) => ({ 'x-test-user': user });
const call = (method: string, path: string, body: unknown, user: string) => api(srv.url, method, `/api/v1/notifications${path}`, body, as(user));
const TABS = [
  { state: 'inbox' },
  { state: 'inbox', levels: ['error', 'warning'], condition: 'unresolved' },
  { state: 'inbox', categories: ['job'] },
  { state: 'archived' },
];
const tabCounts = async (user: string) => {
  const r = await call('POST', '/counts', { filters: TABS }, user);
  const [all, problems, jobs, archived] = r.body.counts as number[];
  return { all, problems, jobs, archived };
};

describe('filters', () => {
  it('lists and counts by level, category, state and condition', async () => {
    const u = `fil-${Date.now()}`;
    const mk = (body: Record<string, unknown>) => call('POST', '', { title: 't', message: 'm', recipient: u, ...body }, 'alice');
    await mk({ level: 'error', category: 'host', condition_key: `${u}:a` });
    await mk({ level: 'warning', category: 'job' });
    const archivedOne = await mk({ level: 'info', category: 'job' });
    await call('PUT', `/${archivedOne.body.id}/archive`, undefined, u);
    await call('POST', '/resolve', { condition_key: `${u}:a` }, 'alice');
    const titles = async (q: string) => ((await call('GET', q, undefined, u)).body.notifications as Array<{ level: string }>).map((n) => n.level);
    expect(await titles('?level=error,warning')).toEqual(['warning', 'error']);
    expect(await titles('?category=job')).toEqual(['warning']);
    expect(await titles('?category=job&state=all')).toEqual(['info', 'warning']);
    expect(await titles('?condition=resolved')).toEqual(['error']);
    expect(await titles('?condition=none')).toEqual(['warning']);
    expect(await tabCounts(u)).toEqual({ all: 2, problems: 1, jobs: 1, archived: 1 });
    expect((await call('GET', '?level=loud', undefined, u)).status).toBe(400);
    expect((await call('GET', '?state=gone', undefined, u)).status).toBe(400);
  });

  it('bounds the filters of one count request (8)', async () => {
    expect(await call('POST', '/counts', { filters: Array.from({ length: 8 }, () => ({})) }, 'bo')).toMatchObject({ status: 200 });
    const r = await call('POST', '/counts', { filters: Array.from({ length: 9 }, () => ({})) }, 'bo');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/at most 8 filters/);
    expect((await call('POST', '/counts', { filters: [{ colour: 'red' }] }, 'bo')).status).toBe(400);
  });
});

describe('tab counts in the snapshot and events', () => {
  it('carries filter_counts in initial_state and every event, exact after concurrent writes', async () => {
    const u = `tabs-${Date.now()}`;
    const { client, initial } = await connectReady(`${srv.wsUrl}?user=${u}`);
    expect((initial.data as { filter_counts: unknown }).filter_counts).toEqual({ all: 0, problems: 0, jobs: 0, archived: 0 });
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(
          'POST',
          '',
          { title: `c${i}`, message: 'm', recipient: u, level: i % 2 === 0 ? 'error' : 'info', category: i % 3 === 0 ? 'job' : 'host' },
          'alice',
        ),
      ),
    );
    // Concurrent reads, archives and snoozes by the user while creates still arrive.
    const ids = created.map((r) => r.body.id as string);
    await Promise.all([
      ...ids.slice(0, 10).map((id) => call('PUT', `/${id}/read`, undefined, u)),
      ...ids.slice(10, 18).map((id) => call('PUT', `/${id}/archive`, undefined, u)),
      ...ids.slice(18, 22).map((id) => call('PUT', `/${id}/snooze`, { minutes: 60 }, u)),
      ...Array.from({ length: 10 }, (_, i) => call('POST', '', { title: `d${i}`, message: 'm', recipient: u, level: 'warning', category: 'job' }, 'alice')),
    ]);
    const marker = await call('POST', '', { title: 'marker', message: 'm', recipient: u }, 'alice');
    let last: Msg | undefined;
    while (last === undefined || (last.data as { id?: string }).id !== marker.body.id) last = await client.next((m) => m.type === 'notification');
    const expected = await tabCounts(u);
    expect(last.filter_counts).toEqual(expected);
    expect(expected.archived).toBe(8);
    await client.close();
  });
});

describe('bulk by filter', () => {
  it('marks read, or archives, what matches up to a cutoff, pushed as one event', async () => {
    const u = `bulk-${Date.now()}`;
    const mk = (level: string) => call('POST', '', { title: 't', message: 'm', recipient: u, level }, 'alice');
    for (let i = 0; i < 3; i++) await mk('error');
    await mk('info');
    await new Promise((r) => setTimeout(r, 5));
    const cutoff = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await mk('error');
    const { client, initial } = await connectReady(`${srv.wsUrl}?user=${u}`);
    const read = await call('POST', '/bulk', { op: 'read', filter: { levels: ['error'] }, before: cutoff }, u);
    expect(read.body).toEqual({ count: 3, unread_count: (initial.data as { unread_count: number }).unread_count - 3 });
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({
      action: 'bulk_read',
      data: { count: 3 },
      unread_count: read.body.unread_count,
    });
    const archived = await call('POST', '/bulk', { op: 'archive', filter: {} }, u);
    expect(archived.body.count).toBe(5);
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'bulk_archived', data: { count: 5 } });
    expect((await call('GET', '', undefined, u)).body.notifications).toEqual([]);
    await client.close();
  });

  it('refuses a call that would change more than 500 rows, changing nothing', async () => {
    const u = `big-${Date.now()}`;
    const batch = (n: number) => Promise.all(Array.from({ length: n }, () => call('POST', '', { title: 't', message: 'm', recipient: u }, 'alice')));
    for (let i = 0; i < 5; i++) await batch(100);
    await batch(1);
    const r = await call('POST', '/bulk', { op: 'read', filter: {} }, u);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/more than 500/);
    expect((await call('GET', '?limit=1', undefined, u)).body.unread_count).toBeGreaterThanOrEqual(501);
    expect((await call('POST', '/bulk', { op: 'shred', filter: {} }, u)).status).toBe(400);
  });
});
