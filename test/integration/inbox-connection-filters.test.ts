/**
 * Filters a connection names on `subscribe`: their unread counts (`filter_counts`) in the fresh
 * `initial_state` and in every notification event that reaches that connection, exact after
 * concurrent writes from two clients, while another connection of the same user keeps the tabs;
 * `{}` goes back to the tabs; and the bounds (WS_COUNT_FILTERS names, WS_COUNT_FILTERS_MAX_BYTES,
 * the filter grammar), refused with an `error` while the connection goes on being served.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsClient } from '../../src/client/index.js';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { openSse } from '../helpers/sse-client.js';
import { connectClient, connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess(
    { NOTIFICATION_RETENTION_COUNT: '5000', WS_COUNT_FILTERS: '4', WS_COUNT_FILTERS_MAX_BYTES: '400' },
    { authenticator: multiUserAuthenticator() },
  );
});
afterAll(() => srv.close());

const as = (user: string) => ({ 'x-test-user': user });
const call = (method: string, path: string, body: unknown, user: string) => api(srv.url, method, `/api/v1/notifications${path}`, body, as(user));

const MINE = {
  errors: { levels: ['error'], state: 'all' },
  'archived.jobs': { state: 'archived', categories: ['job'] },
  active: { condition: 'active' },
  snoozed: { state: 'snoozed' },
};
const TABS = {
  all: { state: 'inbox' },
  problems: { state: 'inbox', levels: ['error', 'warning'], condition: 'unresolved' },
  jobs: { state: 'inbox', categories: ['job'] },
  archived: { state: 'archived' },
};

/** The counts by name from `POST /counts`: the truth the pushed ones must equal. */
async function truth(user: string, named: Record<string, unknown>): Promise<Record<string, number>> {
  const r = await call('POST', '/counts', { filters: Object.values(named) }, user);
  return Object.fromEntries(Object.keys(named).map((name, i) => [name, (r.body.counts as number[])[i] as number]));
}

/** Subscribes with `filters` and returns the fresh `initial_state` that answers it. */
async function ask(client: TestClient, filters: Record<string, unknown>): Promise<Msg> {
  client.send({ type: 'subscribe', topics: ['notifications'], filters });
  await client.next((m) => m.type === 'subscription');
  return client.next((m) => m.type === 'initial_state');
}

/** The notification event about `id` (skipping those before it). */
async function eventAbout(client: TestClient, id: string): Promise<Msg> {
  for (;;) {
    const m = await client.next((x) => x.type === 'notification');
    if ((m.data as { id?: string }).id === id) return m;
  }
}

describe('filters a connection names', () => {
  it('counts exactly those, in the snapshot and every event, exact under concurrent writes from two clients', async () => {
    const u = `cf-${Date.now()}`;
    const mine = (await connectReady(`${srv.wsUrl}?user=${u}`)).client;
    const tabs = (await connectReady(`${srv.wsUrl}?user=${u}`)).client;
    const initial = await ask(mine, MINE);
    expect((initial.data as { filter_counts: unknown }).filter_counts).toEqual({ errors: 0, 'archived.jobs': 0, active: 0, snoozed: 0 });

    const create = (who: string, i: number) =>
      call(
        'POST',
        '',
        {
          title: `${who}${i}`,
          message: 'm',
          recipient: u,
          level: i % 2 === 0 ? 'error' : 'warning',
          category: i % 3 === 0 ? 'job' : 'host',
          ...(i % 5 === 0 ? { condition_key: `${u}:${i}` } : {}),
        },
        who,
      );
    // Two writers creating at once, then the user's own changes racing more creates.
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) => create(i % 2 === 0 ? 'alice' : 'bob', i)));
    const ids = created.map((r) => r.body.id as string);
    await Promise.all([
      ...ids.slice(0, 8).map((id) => call('PUT', `/${id}/read`, undefined, u)),
      ...ids.slice(8, 16).map((id) => call('PUT', `/${id}/archive`, undefined, u)),
      ...ids.slice(16, 20).map((id) => call('PUT', `/${id}/snooze`, { minutes: 60 }, u)),
      call('POST', '/resolve', { condition_key: `${u}:5` }, 'alice'),
      call('POST', '/bulk', { op: 'read', filter: { levels: ['warning'], state: 'all' } }, u),
      ...Array.from({ length: 10 }, (_, i) => create(i % 2 === 0 ? 'bob' : 'alice', 30 + i)),
    ]);
    const marker = await call('POST', '', { title: 'marker', message: 'm', recipient: u, level: 'error' }, 'alice');
    const last = await eventAbout(mine, marker.body.id as string);
    expect(last.filter_counts).toEqual(await truth(u, MINE));
    expect(Object.values(await truth(u, MINE)).every((n) => n > 0)).toBe(true);
    expect(last.unread_count).toBe((await call('GET', '?limit=1', undefined, u)).body.unread_count);
    // The other connection of the same user still counts the tabs, exactly.
    expect((await eventAbout(tabs, marker.body.id as string)).filter_counts).toEqual(await truth(u, TABS));

    // `{}` goes back to the tabs, with a fresh snapshot.
    const back = await ask(mine, {});
    expect((back.data as { filter_counts: unknown }).filter_counts).toEqual(await truth(u, TABS));
    await Promise.all([mine.close(), tabs.close()]);
  });

  it('refuses more names or bytes than configured, and a bad filter, while serving the filters it has', async () => {
    const u = `cfb-${Date.now()}`;
    const { client } = await connectReady(`${srv.wsUrl}?user=${u}`);
    await ask(client, { errors: { levels: ['error'] } });
    const refused = async (filters: Record<string, unknown>, code: string, text: RegExp) => {
      client.send({ type: 'subscribe', topics: ['notifications'], filters });
      expect(await client.next((m) => m.type === 'error')).toMatchObject({ code, ref: 'subscribe', message: expect.stringMatching(text) });
    };
    await refused({ ...MINE, one: {} }, 'too_many_filters', /at most 4 filters, got 5/);
    await refused({ big: { condition_key: 'k'.repeat(380) } }, 'too_many_filters', /at most 400 bytes/);
    await refused({ loud: { levels: ['loud'] } }, 'invalid_message', /filters\.loud\.level/);
    await refused({ 'no spaces': {} }, 'invalid_message', /names must match/);
    client.send({ type: 'subscribe', topics: ['notifications'], filters: [] });
    expect(await client.next((m) => m.type === 'error')).toMatchObject({
      code: 'invalid_message',
      message: expect.stringMatching(/'filters' property to be an object/),
    });
    // Nothing changed: the next event still counts the filters it asked for first.
    const n = await call('POST', '', { title: 't', message: 'm', recipient: u, level: 'error' }, 'alice');
    expect((await eventAbout(client, n.body.id as string)).filter_counts).toEqual({ errors: 1 });
    await client.close();
  });
});

describe('filters named in the connect URL', () => {
  const q = (filters: unknown): string => encodeURIComponent(JSON.stringify(filters));

  it('are counted by the first initial_state, with no second one, over /ws and /sse', async () => {
    const u = `cfu-${Date.now()}`;
    await call('POST', '', { title: 'e', message: 'm', recipient: u, level: 'error' }, 'alice');
    const client = await connectClient(`${srv.wsUrl}?user=${u}&filters=${q({ errors: { levels: ['error'] } })}`);
    const first = await client.next((m) => m.type === 'initial_state');
    expect((first.data as { filter_counts: unknown }).filter_counts).toEqual({ errors: 1 });
    await client.expectNone((m) => m.type === 'initial_state' || m.type === 'error', 300);
    await client.close();

    const stream = await openSse(`${srv.url}/sse?topics=notifications&user=${u}&filters=${q({ errors: { levels: ['error'] } })}`, { headers: as(u) });
    expect(((await stream.next((m) => m.type === 'initial_state')).data as { filter_counts: unknown }).filter_counts).toEqual({ errors: 1 });
    stream.close();
  });

  it('refuses a bad or oversized value with an error for the connect, and serves the tabs', async () => {
    const u = `cfx-${Date.now()}`;
    const tabs = { all: 0, problems: 0, jobs: 0, archived: 0 };
    const cases: [string, string, RegExp][] = [
      ['not json', 'invalid_message', /invalid filters parameter/],
      [q([1]), 'invalid_message', /invalid filters parameter: .*'filters' property to be an object/],
      [q({ a: {}, b: {}, c: {}, d: {}, e: {} }), 'too_many_filters', /at most 4 filters, got 5/],
      [q({ loud: { levels: ['loud'] } }), 'invalid_message', /filters\.loud\.level/],
      [q({ big: { condition_key: 'k'.repeat(5000) } }), 'invalid_message', /longer than 4096 characters/],
    ];
    for (const [value, code, text] of cases) {
      const client = await connectClient(`${srv.wsUrl}?user=${u}&filters=${value}`);
      expect(await client.next((m) => m.type === 'error')).toMatchObject({ code, ref: 'connect', message: expect.stringMatching(text) });
      expect(((await client.next((m) => m.type === 'initial_state')).data as { filter_counts: unknown }).filter_counts).toEqual(tabs);
      await client.close();
    }
  });
});

describe('the Node client', () => {
  it('names its filters in every connect URL, and asks again when they change', async () => {
    const u = `cfc-${Date.now()}`;
    const got: unknown[] = [];
    const client = createWsClient({ url: `${srv.wsUrl}?user=${u}`, WebSocket, filters: { errors: { levels: ['error'], state: 'all' } } });
    const counts = () =>
      got.map((m) => {
        const msg = m as { type: string; filter_counts?: unknown; data: { filter_counts?: unknown } };
        return msg.type === 'initial_state' ? msg.data.filter_counts : msg.filter_counts;
      });
    client.on('initial_state', (m) => void got.push(m));
    client.on('notification', (m) => void got.push(m));
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(check()).toBe(true);
    };
    await until(() => counts().some((c) => JSON.stringify(c) === '{"errors":0}'));
    await call('POST', '', { title: 't', message: 'm', recipient: u, level: 'error' }, 'alice');
    await until(() => JSON.stringify(counts().at(-1)) === '{"errors":1}');
    // A reconnect names them in its URL: it resumes (no second snapshot), and events count them, not the tabs.
    client.close();
    got.length = 0;
    client.connect();
    await until(() => client.isConnected());
    await call('POST', '', { title: 't2', message: 'm', recipient: u, level: 'error' }, 'alice');
    await until(() => JSON.stringify(counts().at(-1)) === '{"errors":2}');
    expect(got.filter((m) => (m as { type: string }).type === 'initial_state')).toEqual([]);
    client.setFilters({});
    await until(() => JSON.stringify(counts().at(-1)) === JSON.stringify({ all: 2, problems: 2, jobs: 0, archived: 0 }));
    client.close();
  });
});

describe('over Server-Sent Events', () => {
  it('takes filters in a POST /sse/{id}/subscriptions body, as over /ws', async () => {
    const u = `cfs-${Date.now()}`;
    const stream = await openSse(`${srv.url}/sse?topics=notifications&user=${u}`, { headers: as(u) });
    const clientId = (await stream.next((m) => m.type === 'connection')).client_id as string;
    await stream.next((m) => m.type === 'initial_state');
    const ask = (body: unknown) =>
      fetch(`${srv.url}/sse/${clientId}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...as(u) },
        body: JSON.stringify(body),
      });
    expect((await ask({ type: 'subscribe', topics: ['notifications'], filters: { errors: { levels: ['error'] } } })).status).toBe(202);
    expect(((await stream.next((m) => m.type === 'initial_state')).data as { filter_counts: unknown }).filter_counts).toEqual({ errors: 0 });
    const n = await call('POST', '', { title: 't', message: 'm', recipient: u, level: 'error' }, 'bob');
    const event = await stream.next((m) => m.type === 'notification' && (m.data as { id?: string }).id === n.body.id);
    expect(event.filter_counts).toEqual({ errors: 1 });
    stream.close();
  });
});
