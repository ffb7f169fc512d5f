/** The /ws protocol: every message of the seed and of PROTOCOL.md, and bad input of every kind. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { connectClient, connectReady } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ WS_MAX_MESSAGE_BYTES: '2048', WS_MAX_PAYLOAD_BYTES: '8192', WS_MAX_SUBSCRIPTIONS: '3', WS_MAX_CONNECTIONS: '20' });
});
afterAll(() => srv.close());

describe('connect', () => {
  it('sends connection then initial_state with notifications, unread_count and positions', async () => {
    const { client, connection, initial } = await connectReady(srv.wsUrl);
    expect(connection).toMatchObject({ type: 'connection', status: 'connected', user: 'dev-user' });
    expect(connection.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(connection.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(initial.data).toEqual({ notifications: [], unread_count: 0, filter_counts: { all: 0, problems: 0, jobs: 0, archived: 0 } });
    expect(initial.positions).toEqual({ notifications: { offset: 0, epoch: srv.server.store.epoch } });
    await client.close();
  });

  it('takes initial topics from ?topics= and reports bad ones as errors', async () => {
    const client = await connectClient(`${srv.wsUrl}?topics=jobs,nope`);
    await client.next((m) => m.type === 'connection');
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'unknown_topic', ref: 'connect' });
    await client.close();
  });
});

describe('client messages', () => {
  it('answers ping with pong carrying a timestamp', async () => {
    const { client } = await connectReady(srv.wsUrl);
    client.send({ type: 'ping' });
    expect(await client.next()).toMatchObject({ type: 'pong', timestamp: expect.stringMatching(/Z$/) });
    await client.close();
  });

  it('acknowledges subscribe and unsubscribe, and sends the new topic a snapshot', async () => {
    const { client } = await connectReady(srv.wsUrl);
    client.send({ type: 'subscribe', topics: ['jobs', 'inventory'] });
    expect(await client.next()).toEqual({ type: 'subscription', status: 'subscribed', topics: ['jobs', 'inventory'] });
    const snap = await client.next();
    expect(snap).toMatchObject({ type: 'initial_state', positions: { jobs: { offset: 0 }, inventory: { offset: 0 } } });
    client.send({ type: 'unsubscribe', topics: ['jobs', 'never-subscribed'] });
    expect(await client.next()).toEqual({ type: 'subscription', status: 'unsubscribed', topics: ['jobs'] });
    await client.close();
  });

  const bad: [string, string | Buffer, string][] = [
    ['non-JSON', 'hello', 'invalid_json'],
    ['a JSON array', '[1,2]', 'invalid_message'],
    ['a message without type', '{"topics":["jobs"]}', 'invalid_message'],
    ['an unknown type', '{"type":"explode"}', 'unknown_type'],
    ['a string where the topic list belongs', '{"type":"subscribe","topics":"jobs"}', 'invalid_message'],
    ['a non-string topic', '{"type":"subscribe","topics":[42]}', 'invalid_message'],
    ['an empty topic list', '{"type":"subscribe","topics":[]}', 'invalid_message'],
    ['an unknown topic', '{"type":"subscribe","topics":["weather"]}', 'unknown_topic'],
    ['a malformed topic', '{"type":"subscribe","topics":["jobs:<script>"]}', 'invalid_topic'],
    ['an entity topic of a family without entities', '{"type":"subscribe","topics":["notifications:1"]}', 'unknown_topic'],
    ['a resume without positions', '{"type":"resume"}', 'invalid_message'],
    ['a resume with a negative offset', '{"type":"resume","positions":{"notifications":{"offset":-1,"epoch":"x"}}}', 'invalid_message'],
    ['an oversized message', JSON.stringify({ type: 'ping', pad: 'x'.repeat(3000) }), 'message_too_large'],
    ['a binary frame', Buffer.from([1, 2, 3]), 'invalid_json'],
  ];
  for (const [what, frame, code] of bad) {
    it(`answers ${what} with error ${code} and keeps the connection`, async () => {
      const { client } = await connectReady(srv.wsUrl);
      client.sendRaw(frame);
      const error = await client.next();
      expect(error).toMatchObject({ type: 'error', code });
      expect(typeof error.message).toBe('string');
      client.send({ type: 'ping' });
      expect(await client.next()).toMatchObject({ type: 'pong' });
      await client.close();
    });
  }

  it('refuses subscriptions beyond the per-connection limit', async () => {
    const { client } = await connectReady(srv.wsUrl);
    client.send({ type: 'subscribe', topics: ['jobs', 'inventory', 'jobs:1'] });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'too_many_subscriptions', ref: 'subscribe' });
    await client.close();
  });

  it('closes with 1009 when a frame exceeds the hard payload limit', async () => {
    const { client } = await connectReady(srv.wsUrl);
    client.sendRaw('x'.repeat(10_000));
    expect((await client.closed).code).toBe(1009);
  });

  it('closes with 1013 and a reason when over the connection limit, and others carry on', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => connectReady(srv.wsUrl)));
    const extra = await connectClient(srv.wsUrl);
    const closed = await extra.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/try again later/);
    clients[0]?.client.send({ type: 'ping' });
    expect(await clients[0]?.client.next()).toMatchObject({ type: 'pong' });
    await Promise.all(clients.map((c) => c.client.close()));
  });

  it('answers other paths with 404 instead of upgrading', async () => {
    await expect(connectClient(srv.wsUrl.replace('/ws', '/nope'))).rejects.toThrow(/404/);
  });
});
