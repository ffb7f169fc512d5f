/**
 * Presence on one instance: `subscribe` with `presence: true` on entity topics gives a `state`,
 * then `join` / `update` / `leave`; a tab that goes stays counted for PRESENCE_LEAVE_GRACE_MS, so a
 * reconnect neither leaves nor joins; and the bounds (members in a `state`, presence topics per
 * connection and per user, entity topics only) hold while an honest client is served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { openSse } from '../helpers/sse-client.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';

const GRACE_MS = 400;
let app: Running;
const open: TestClient[] = [];

async function watcher(user: string, topic: string): Promise<{ client: TestClient; state: Msg }> {
  const { client } = await connectReady(`${app.wsUrl}?user=${user}`);
  open.push(client);
  client.send({ type: 'subscribe', topics: [topic], presence: true });
  const state = await client.next((m) => m.type === 'presence' && m.action === 'state' && m.topic === topic);
  return { client, state };
}

const isPresence = (topic: string, action?: string) => (m: Msg) => m.type === 'presence' && m.topic === topic && (action === undefined || m.action === action);
const names = (state: Msg): string[] => (state.members as { user_id: string }[]).map((m) => m.user_id);

describe('presence on one instance', () => {
  beforeAll(async () => {
    app = await startInProcess(
      {
        PRESENCE_LEAVE_GRACE_MS: String(GRACE_MS),
        PRESENCE_MAX_MEMBERS: '3',
        PRESENCE_MAX_TOPICS_PER_CONNECTION: '2',
        PRESENCE_MAX_TOPICS_PER_USER: '3',
      },
      { authenticator: multiUserAuthenticator() },
    );
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await app.close();
  });

  it('gives a state, then join, update (a second tab) and leave after the grace period', async () => {
    const topic = 'inventory:hv-01';
    const alice = await watcher('alice', topic);
    expect(alice.state).toMatchObject({ members: [{ user_id: 'alice', name: 'alice', connections: 1 }], count: 1, truncated: false });
    const bob = await watcher('bob', topic);
    expect(names(bob.state)).toEqual(['alice', 'bob']);
    expect(await alice.client.next(isPresence(topic, 'join'))).toMatchObject({ member: { user_id: 'bob', connections: 1 } });
    const bob2 = await watcher('bob', topic);
    expect(await alice.client.next(isPresence(topic, 'update'))).toMatchObject({ member: { user_id: 'bob', connections: 2 } });
    await bob2.client.close();
    await bob.client.close();
    const closedAt = Date.now();
    // Both tabs stay counted for the grace, then bob leaves once (after an update to 1 or straight to 0).
    const leave = await alice.client.next(isPresence(topic, 'leave'), 5000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(leave).toMatchObject({ member: { user_id: 'bob', connections: 0 } });
  });

  it('does not flap when a tab reconnects within the grace period', async () => {
    const topic = 'jobs:flap';
    const alice = await watcher('alice', topic);
    const carol = await watcher('carol', topic);
    await alice.client.next(isPresence(topic, 'join'));
    await carol.client.close();
    await new Promise((r) => setTimeout(r, 50));
    const again = await watcher('carol', topic);
    expect(names(again.state)).toEqual(['alice', 'carol']);
    await alice.client.expectNone(isPresence(topic), GRACE_MS * 2);
  });

  it('sends nothing about presence to a subscriber that did not ask for it', async () => {
    const topic = 'jobs:quiet';
    const { client } = await connectReady(`${app.wsUrl}?user=dave`);
    open.push(client);
    client.send({ type: 'subscribe', topics: [topic] });
    await client.next((m) => m.type === 'subscription');
    await watcher('erin', topic);
    await client.expectNone((m) => m.type === 'presence', 300);
  });

  it('works over Server-Sent Events too: a subscribe with presence through POST /sse/{id}/subscriptions', async () => {
    const topic = 'jobs:sse';
    const ws = await watcher('walt', topic);
    const stream = await openSse(`${app.url}/sse?topics=notifications&user=sam`, { headers: { 'x-test-user': 'sam' } });
    const clientId = (await stream.next((m) => m.type === 'connection')).client_id as string;
    const res = await fetch(`${app.url}/sse/${clientId}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': 'sam' },
      body: JSON.stringify({ type: 'subscribe', topics: [topic], presence: true }),
    });
    expect(res.status).toBe(202);
    const state = await stream.next((m) => m.type === 'presence' && m.action === 'state');
    expect(names(state)).toEqual(['sam', 'walt']);
    expect(await ws.client.next(isPresence(topic, 'join'))).toMatchObject({ member: { user_id: 'sam' } });
    stream.close();
    expect(await ws.client.next(isPresence(topic, 'leave'), 5000)).toMatchObject({ member: { user_id: 'sam' } });
  });

  it('holds its bounds while an honest client is served', async () => {
    const topic = 'jobs:crowd';
    for (const user of ['u1', 'u2', 'u3', 'u4']) await watcher(user, topic);
    const honest = await watcher('u5', topic);
    expect(honest.state).toMatchObject({ count: 5, truncated: true });
    expect(names(honest.state)).toEqual(['u1', 'u2', 'u3']);

    const greedy = await watcher('greedy', 'jobs:g1');
    greedy.client.send({ type: 'subscribe', topics: ['jobs:g2', 'jobs:g3'], presence: true });
    expect(await greedy.client.next((m) => m.type === 'error')).toMatchObject({ code: 'too_many_subscriptions', ref: 'subscribe' });
    greedy.client.send({ type: 'subscribe', topics: ['jobs'], presence: true });
    expect(await greedy.client.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_topic' });
    const second = await watcher('greedy', 'jobs:g2');
    second.client.send({ type: 'subscribe', topics: ['jobs:g3'], presence: true });
    await second.client.next(isPresence('jobs:g3', 'state'));
    const { client: third } = await connectReady(`${app.wsUrl}?user=greedy`);
    open.push(third);
    third.send({ type: 'subscribe', topics: ['jobs:g4'], presence: true });
    expect(await third.next((m) => m.type === 'error')).toMatchObject({ code: 'too_many_subscriptions', message: 'at most 3 presence topics per user' });
    // Refused, nothing changed: no subscription to jobs:g4.
    await third.expectNone((m) => m.type === 'subscription' || m.type === 'presence', 100);

    // The honest client is still served: it hears the greedy user's neighbour join and leave its topic.
    const late = await watcher('u6', topic);
    expect(await honest.client.next(isPresence(topic, 'join'))).toMatchObject({ member: { user_id: 'u6' } });
    await late.client.close();
    expect(await honest.client.next(isPresence(topic, 'leave'), 5000)).toMatchObject({ member: { user_id: 'u6' } });
  });
});
