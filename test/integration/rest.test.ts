/** The notifications REST API: CRUD, validation, idempotency, cursor paging, mark-all-read cutoff. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({}, { authenticator: multiUserAuthenticator() });
});
afterAll(() => srv.close());

const as = (user: string) => ({ 'x-test-user': user });

describe('create and read', () => {
  it('creates with defaults and returns 201 with every field', async () => {
    const r = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'T', message: 'M' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'T',
      message: 'M',
      level: 'info',
      category: 'system',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      read: false,
      recipient: null,
      related_entity: null,
      metadata: null,
      condition_key: null,
      count: 1,
      last_seen_at: r.body.created_at,
      resolved_at: null,
      seen: false,
      archived: false,
      snoozed_until: null,
      actions: null,
    });
    const got = await api(srv.url, 'GET', `/api/v1/notifications/${r.body.id}`);
    expect(got.body).toEqual(r.body);
  });

  it('gives time-ordered ids (UUIDv7): in id order, notifications are in creation order', async () => {
    // Concurrent creates share a group commit and often a millisecond.
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => api(srv.url, 'POST', '/api/v1/notifications', { title: `order ${i}`, message: 'M' })));
    const byId = made.map((r) => r.body as { id: string; created_at: string }).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const n of byId) expect(n.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const times = byId.map((n) => n.created_at);
    expect([...times].sort()).toEqual(times);
    // The id's first 48 bits are its creation time in ms.
    for (const n of byId) expect(Math.abs(parseInt(n.id.replace(/-/g, '').slice(0, 12), 16) - Date.parse(n.created_at))).toBeLessThan(1000);
  });

  it('keeps related_entity and metadata', async () => {
    const body = {
      title: 'Job done',
      message: 'ok',
      level: 'success',
      category: 'job',
      related_entity: { type: 'job', id: 'j1', name: 'Backup' },
      metadata: { duration_s: 12, tags: ['a'] },
    };
    const r = await api(srv.url, 'POST', '/api/v1/notifications', body);
    expect(r.body).toMatchObject(body);
  });

  it('answers field-level validation errors, listing every bad field', async () => {
    const r = await api(srv.url, 'POST', '/api/v1/notifications', { title: 5, level: 'fatal', category: 'x', extra: true, metadata: [] });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    const fields = (r.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['category', 'extra', 'level', 'message', 'metadata', 'title']);
    expect(r.body.detail).toContain('level: must be one of info, warning, error, success');
  });

  it('rejects malformed JSON, a non-object body and oversized titles with clear errors', async () => {
    expect((await api(srv.url, 'POST', '/api/v1/notifications', '{nope')).body).toMatchObject({ code: 'invalid_json' });
    expect((await api(srv.url, 'POST', '/api/v1/notifications', '[1]')).body).toMatchObject({ code: 'validation_failed' });
    const long = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'x'.repeat(201), message: 'm' });
    expect(long.body.errors).toEqual([{ field: 'title', message: 'must be at most 200 characters, got 201' }]);
  });

  it('answers 404 for unknown ids on every route', async () => {
    const id = '00000000-0000-0000-0000-000000000000';
    for (const [method, path] of [
      ['GET', id],
      ['PUT', `${id}/read`],
      ['PUT', `${id}/unread`],
      ['DELETE', id],
    ] as const) {
      const r = await api(srv.url, method, `/api/v1/notifications/${path}`);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).toMatchObject({ code: 'not_found' });
    }
  });

  it('honours Idempotency-Key: the same key returns the first result and creates nothing new', async () => {
    const headers = { 'idempotency-key': 'deploy-42', ...as('idem') };
    const first = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'Deploy', message: 'v1' }, headers);
    const again = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'Deploy', message: 'v1' }, headers);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const list = await api(srv.url, 'GET', '/api/v1/notifications?limit=500', undefined, as('idem'));
    expect((list.body.notifications as { title: string }[]).filter((n) => n.title === 'Deploy')).toHaveLength(1);
    const bad = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'x', message: 'y' }, { 'idempotency-key': 'a b' });
    expect(bad.status).toBe(400);
  });
});

describe('listing', () => {
  it('pages newest first with a keyset cursor, with totals', async () => {
    const user = 'pager';
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await api(srv.url, 'POST', '/api/v1/notifications', { title: `p${i}`, message: 'x', recipient: user })).body.id);
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const r = await api(srv.url, 'GET', `/api/v1/notifications?limit=3&cursor=${cursor}`, undefined, as(user));
      const mine = (r.body.notifications as { id: string; recipient: string | null }[]).map((n) => n.id);
      seen.push(...mine);
      cursor = r.body.next_cursor;
      pages += 1;
      expect(r.body.total_count).toBeGreaterThanOrEqual(7);
    }
    const mineInOrder = seen.filter((id) => ids.includes(id));
    expect(mineInOrder).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('filters unread_only and rejects bad parameters', async () => {
    const user = 'filter';
    const a = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'a', message: 'x', recipient: user });
    await api(srv.url, 'POST', '/api/v1/notifications', { title: 'b', message: 'x', recipient: user });
    await api(srv.url, 'PUT', `/api/v1/notifications/${a.body.id}/read`, undefined, as(user));
    const unread = await api(srv.url, 'GET', '/api/v1/notifications?unread_only=true&limit=500', undefined, as(user));
    expect((unread.body.notifications as { read: boolean }[]).every((n) => !n.read)).toBe(true);
    expect(unread.body.notifications.some((n: { id: string }) => n.id === a.body.id)).toBe(false);
    expect((await api(srv.url, 'GET', '/api/v1/notifications?limit=0')).status).toBe(400);
    expect((await api(srv.url, 'GET', '/api/v1/notifications?unread_only=maybe')).status).toBe(400);
    expect((await api(srv.url, 'GET', '/api/v1/notifications?cursor=garbage')).body.code).toBe('invalid_cursor');
  });

  it('read, unread, and mark-all-read with a before cutoff that spares newer notifications', async () => {
    const user = 'cutoff';
    const old = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'old', message: 'x', recipient: user });
    await new Promise((r) => setTimeout(r, 5));
    const newer = await api(srv.url, 'POST', '/api/v1/notifications', { title: 'new', message: 'x', recipient: user });
    const r = await api(srv.url, 'PUT', '/api/v1/notifications/mark-all-read', { before: old.body.created_at }, as(user));
    expect(r.status).toBe(200);
    expect((await api(srv.url, 'GET', `/api/v1/notifications/${old.body.id}`, undefined, as(user))).body.read).toBe(true);
    expect((await api(srv.url, 'GET', `/api/v1/notifications/${newer.body.id}`, undefined, as(user))).body.read).toBe(false);
    const unread = await api(srv.url, 'PUT', `/api/v1/notifications/${old.body.id}/unread`, undefined, as(user));
    expect(unread.body.read).toBe(false);
    expect((await api(srv.url, 'PUT', '/api/v1/notifications/mark-all-read', { before: 'yesterday' }, as(user))).status).toBe(400);
  });
});

describe('health', () => {
  it('serves /healthz and /readyz', async () => {
    expect((await api(srv.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api(srv.url, 'GET', '/readyz')).body).toMatchObject({ status: 'ready' });
  });
  it('answers unknown routes with the error shape', async () => {
    expect((await api(srv.url, 'GET', '/api/v1/nothing')).body).toMatchObject({ code: 'not_found' });
  });
});
