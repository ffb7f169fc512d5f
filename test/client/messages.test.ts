import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenericMessage, ResyncEvent } from '../../src/client/index.js';
import { startFakeServer, type FakeConnection, type FakeServer } from './fake-server.js';
import { recordedClient, until, type Recorded } from './helpers.js';

let server: FakeServer;
let rec: Recorded | undefined;

beforeEach(async () => {
  server = await startFakeServer();
});
afterEach(async () => {
  rec?.client.close();
  rec = undefined;
  await server.stop();
});

function event(offset: number, id: string, topic = 'notifications'): object {
  return { type: 'notification', action: 'created', data: { id }, unread_count: offset, topic, offset };
}

/** Connects a client (pings effectively off) and greets it with the given positions. */
async function connected(positions: Record<string, { offset: number; epoch: string }>, resumeVia: 'url' | 'message' = 'message'): Promise<FakeConnection> {
  rec = recordedClient({ url: server.url, pingIntervalMs: 1_000_000, resumeVia });
  const conn = await server.nextConnection();
  conn.greet('c-1', positions);
  await rec.waitFor('connected');
  return conn;
}

describe('events', () => {
  it('dispatches by type and to *, and off() removes a handler', async () => {
    const conn = await connected({ notifications: { offset: 0, epoch: 'e1' } });
    const seen: string[] = [];
    const all: string[] = [];
    const handler = (m: { data: unknown }): void => void seen.push((m.data as { id: string }).id);
    rec?.client.on('notification', handler);
    rec?.client.on('*', (m: GenericMessage) => void all.push(m.type));
    conn.send(event(1, 'a'));
    await until(() => seen.length === 1);
    rec?.client.off('notification', handler);
    conn.send(event(2, 'b'));
    await until(() => all.length === 2);
    expect(seen).toEqual(['a']);
    expect(all).toEqual(['notification', 'notification']);
  });

  it('drops events at or below the last applied offset of their topic', async () => {
    const conn = await connected({ notifications: { offset: 5, epoch: 'e1' } });
    const seen: string[] = [];
    rec?.client.on('notification', (m) => void seen.push((m.data as { id: string }).id));
    for (const [offset, id] of [
      [4, 'old'],
      [5, 'dup'],
      [6, 'a'],
      [6, 'a-again'],
      [9, 'b'],
      [8, 'late'],
    ] as const)
      conn.send(event(offset, id));
    conn.send(event(1, 'other-topic', 'jobs'));
    conn.send({ type: 'pong', timestamp: 'now' });
    await until(() => seen.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(['a', 'b', 'other-topic']);
    expect(rec?.client.getPositions()).toEqual({ notifications: { offset: 9, epoch: 'e1' }, jobs: { offset: 1, epoch: null } });
  });

  it('unpacks batch frames in order, de-duplicating inside them', async () => {
    const conn = await connected({ notifications: { offset: 1, epoch: 'e1' } });
    const seen: string[] = [];
    rec?.client.on('notification', (m) => void seen.push((m.data as { id: string }).id));
    rec?.client.on('pong', () => void seen.push('pong'));
    conn.send({ type: 'batch', messages: [event(2, 'a'), event(2, 'dup'), { type: 'pong', timestamp: 't' }, event(3, 'b'), 'junk', { no: 'type' }] });
    await until(() => seen.length === 3);
    expect(seen).toEqual(['a', 'pong', 'b']);
  });

  it('ignores frames that are not JSON or lack a type, and stays connected', async () => {
    const conn = await connected({});
    const seen: string[] = [];
    rec?.client.on('*', (m) => void seen.push(m.type));
    conn.send('not json');
    conn.send({ type: 'notification', action: 'created', data: {}, topic: 'notifications', offset: 'x' });
    conn.send({ type: 'pong', timestamp: 't' });
    await until(() => seen.length === 1);
    expect(seen).toEqual(['pong']);
    expect(rec?.client.isConnected()).toBe(true);
  });
});

describe('subscriptions and resume', () => {
  it('subscribe/unsubscribe send frames when connected', async () => {
    const conn = await connected({});
    rec?.client.subscribe(['jobs', 'inventory']);
    expect(await conn.nextMessage()).toEqual({ type: 'subscribe', topics: ['jobs', 'inventory'] });
    rec?.client.subscribe('jobs');
    rec?.client.unsubscribe(['inventory']);
    expect(await conn.nextMessage()).toEqual({ type: 'unsubscribe', topics: ['inventory'] });
  });

  it('asks for presence with presence: true, and again after a reconnect', async () => {
    const conn = await connected({});
    rec?.client.subscribe('jobs:7', { presence: true });
    expect(await conn.nextMessage()).toEqual({ type: 'subscribe', topics: ['jobs:7'], presence: true });
    conn.terminate();
    const next = await server.nextConnection();
    next.greet('c-2', {});
    expect(next.url.searchParams.get('topics')).toBe('notifications,jobs:7');
    expect(await next.nextMessage()).toEqual({ type: 'subscribe', topics: ['notifications', 'jobs:7'] });
    expect(await next.nextMessage()).toEqual({ type: 'subscribe', topics: ['jobs:7'], presence: true });
    rec?.client.unsubscribe('jobs:7');
    expect(await next.nextMessage()).toEqual({ type: 'unsubscribe', topics: ['jobs:7'] });
  });

  it('by default resumes on the reconnect URL, then resubscribes in one frame', async () => {
    const conn = await connected({ notifications: { offset: 3, epoch: 'e1' } }, 'url');
    expect(conn.url.searchParams.get('resume')).toBeNull();
    conn.send(event(4, 'a'));
    await until(() => rec?.client.getPositions().notifications?.offset === 4);
    conn.terminate();
    const next = await server.nextConnection();
    expect(next.url.searchParams.get('topics')).toBe('notifications');
    expect(JSON.parse(next.url.searchParams.get('resume') ?? '')).toEqual({ notifications: { offset: 4, epoch: 'e1' } });
    next.greet('c-2');
    expect(await next.nextMessage()).toEqual({ type: 'subscribe', topics: ['notifications'] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(next.received).toHaveLength(1);
  });

  it('with resumeVia message, resubscribes every topic in one frame and sends resume with the applied offsets', async () => {
    const conn = await connected({ notifications: { offset: 3, epoch: 'e1' }, jobs: { offset: 10, epoch: 'j1' } });
    rec?.client.subscribe(['jobs', 'inventory']);
    await conn.nextMessage();
    conn.send(event(4, 'a'));
    conn.send(event(11, 'job', 'jobs'));
    await until(() => rec?.client.getPositions().jobs?.offset === 11);
    conn.terminate();
    const next = await server.nextConnection();
    expect(next.url.searchParams.get('topics')).toBe('notifications,jobs,inventory');
    expect(next.url.searchParams.get('resume')).toBeNull();
    next.greet('c-2');
    expect(await next.nextMessage()).toEqual({ type: 'subscribe', topics: ['notifications', 'jobs', 'inventory'] });
    expect(await next.nextMessage()).toEqual({
      type: 'resume',
      positions: { notifications: { offset: 4, epoch: 'e1' }, jobs: { offset: 11, epoch: 'j1' } },
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(next.received).toHaveLength(2);
  });

  it('applies replayed events after resumed, and emits resync when the server cannot recover', async () => {
    const conn = await connected({ notifications: { offset: 3, epoch: 'e1' }, jobs: { offset: 1, epoch: 'j1' } });
    conn.terminate();
    const next = await server.nextConnection();
    next.greet('c-2');
    await next.nextMessage();
    await next.nextMessage();
    const seen: string[] = [];
    const resyncs: ResyncEvent[] = [];
    rec?.client.on('notification', (m) => void seen.push((m.data as { id: string }).id));
    rec?.client.on('resync', (e) => void resyncs.push(e));
    rec?.client.on('initial_state', () => void seen.push('snapshot'));
    // `position` is the head after the replay, as the server sends it; the replayed events still apply.
    next.send({ type: 'resumed', topic: 'notifications', recovered: true, replayed: 2, position: { offset: 5, epoch: 'e1' } });
    next.send(event(3, 'dup'));
    next.send(event(4, 'missed-1'));
    next.send(event(5, 'missed-2'));
    next.send({ type: 'resumed', topic: 'jobs', recovered: false, replayed: 0, position: { offset: 7, epoch: 'j2' }, reason: 'epoch_changed' });
    next.send({ type: 'initial_state', data: { jobs: [] }, positions: { jobs: { offset: 7, epoch: 'j2' } } });
    await until(() => seen.length === 3);
    expect(seen).toEqual(['missed-1', 'missed-2', 'snapshot']);
    expect(resyncs).toEqual([{ type: 'resync', topic: 'jobs', reason: 'epoch_changed' }]);
    expect(rec?.client.getPositions()).toEqual({ notifications: { offset: 5, epoch: 'e1' }, jobs: { offset: 7, epoch: 'j2' } });
  });

  it('an initial_state resets a topic position even backwards (new log epoch)', async () => {
    const conn = await connected({ notifications: { offset: 50, epoch: 'old' } });
    conn.send({ type: 'initial_state', data: { notifications: [] }, positions: { notifications: { offset: 2, epoch: 'new' } } });
    const seen: string[] = [];
    rec?.client.on('notification', (m) => void seen.push((m.data as { id: string }).id));
    conn.send(event(3, 'after-reset'));
    await until(() => seen.length === 1);
    expect(seen).toEqual(['after-reset']);
  });

  it('unsubscribed topics are forgotten and not resumed', async () => {
    const conn = await connected({ notifications: { offset: 3, epoch: 'e1' }, jobs: { offset: 1, epoch: 'j1' } });
    rec?.client.subscribe('jobs');
    await conn.nextMessage();
    rec?.client.unsubscribe('jobs');
    await conn.nextMessage();
    conn.terminate();
    const next = await server.nextConnection();
    next.greet('c-2');
    expect(await next.nextMessage()).toEqual({ type: 'subscribe', topics: ['notifications'] });
    expect(await next.nextMessage()).toEqual({ type: 'resume', positions: { notifications: { offset: 3, epoch: 'e1' } } });
  });
});
