/**
 * The Redis bus between in-process instances on one PostgreSQL database: delivery across
 * instances exactly once, own events never twice, control messages, the channel prefix, and an
 * outage of Redis that delays events but loses none, with /readyz reporting the bus.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlMessage } from '../../src/bus/types.js';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';
import { createPostgresDatabase } from '../services/database.js';
import { startRedis, type PrivateRedis } from '../services/processes.js';

const create = (base: string, title: string) => api(base, 'POST', '/api/v1/notifications', { title, message: 'm', level: 'info', category: 'system' });
const created = (title: string) => (m: Msg) => m.type === 'notification' && (m.data as { title?: string } | undefined)?.title === title;

describe('redis bus', () => {
  let redis: PrivateRedis;
  let a: Running;
  let b: Running;
  let other: Running;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const DATABASE_URL = await createPostgresDatabase();
    const env = { DATABASE_URL, REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: `t-${randomBytes(4).toString('hex')}` };
    a = await startInProcess(env);
    b = await startInProcess(env);
    // Same Redis and database, another deployment's prefix: must hear nothing.
    other = await startInProcess({ ...env, REDIS_CHANNEL_PREFIX: 'another-deployment' }, { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'aether-other-')) });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await Promise.allSettled([a?.close(), b?.close(), other?.close()]);
    await redis?.stop();
  });

  async function client(on: Running): Promise<TestClient> {
    const { client: c } = await connectReady(on.wsUrl);
    clients.push(c);
    return c;
  }

  it('delivers an event created on A to clients on A and B exactly once, and not to another prefix', async () => {
    const [onA, onB, onOther] = [await client(a), await client(b), await client(other)];
    expect((await create(a.url, 'from A')).status).toBe(201);
    const [gotA, gotB] = await Promise.all([onA.next(created('from A')), onB.next(created('from A'))]);
    expect(gotA.offset).toBe(gotB.offset);
    await onA.expectNone(created('from A'), 300);
    await onB.expectNone(created('from A'), 0);
    await onOther.expectNone(created('from A'), 0);
  });

  it('carries control messages to the other instance, and to the publisher once', async () => {
    const onA: ControlMessage[] = [];
    const onB: ControlMessage[] = [];
    a.server.bus.subscribeControl((m) => onA.push(m));
    b.server.bus.subscribeControl((m) => onB.push(m));
    a.server.bus.publishControl({ kind: 'test_ping', n: 1 });
    await expect.poll(() => onB.length).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(onA).toEqual([{ kind: 'test_ping', n: 1 }]);
    expect(onB).toEqual([{ kind: 'test_ping', n: 1 }]);
  });

  it('loses nothing while Redis is down, reports the bus in /readyz, and recovers when it returns', async () => {
    const onB = await client(b);
    await redis.stop(true);
    // Degraded, not unready: the instance still serves everything, and a balancer keeps it in.
    await expect.poll(async () => (await api(b.url, 'GET', '/readyz')).body.status, { timeout: 5000 }).toBe('degraded');
    expect(await api(b.url, 'GET', '/readyz')).toMatchObject({ status: 200, body: { checks: { store: true, bus: false } } });
    for (let i = 1; i <= 3; i++) expect((await create(a.url, `during outage ${i}`)).status).toBe(201);
    // Delayed (read from the store), not lost, and in order.
    const during = [
      await onB.next(created('during outage 1'), 10_000),
      await onB.next(created('during outage 2'), 10_000),
      await onB.next(created('during outage 3'), 10_000),
    ];
    expect(during.map((m) => m.offset)).toEqual([Number(during[0]?.offset), Number(during[0]?.offset) + 1, Number(during[0]?.offset) + 2]);
    await redis.start();
    await expect.poll(async () => (await api(b.url, 'GET', '/readyz')).body.status, { timeout: 10_000 }).toBe('ready');
    expect((await create(a.url, 'after outage')).status).toBe(201);
    const after = await onB.next(created('after outage'), 5000);
    expect(after.offset).toBe(Number(during[2]?.offset) + 1);
    await onB.expectNone((m) => m.type === 'notification' && String((m.data as { title?: string }).title).startsWith('during'), 300);
  });
});

it('refuses to start when Redis cannot be reached at start, naming REDIS_URL', async () => {
  const { freePort } = await import('../services/processes.js');
  const port = await freePort();
  await expect(startInProcess({ DATABASE_URL: await createPostgresDatabase(), REDIS_URL: `redis://127.0.0.1:${port}` })).rejects.toThrow(
    /REDIS_URL: cannot reach Redis/,
  );
});
