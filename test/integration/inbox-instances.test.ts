/**
 * The inbox across instances (PostgreSQL project only: two servers in one process on one SQLite
 * file would block each other's event loop): two instances raising one condition at once leave
 * one entry with every raise counted, and a snooze set on one instance comes back live on a socket
 * of the other.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { connectReady } from '../helpers/ws-client.js';
import { onPostgres } from '../services/database.js';
import { startRedis, type PrivateRedis } from '../services/processes.js';

describe('the inbox on two instances (PostgreSQL)', () => {
  let a: Running;
  let b: Running;
  let redis: PrivateRedis;
  beforeAll(async () => {
    if (!onPostgres()) throw new Error('this suite needs TEST_DATABASE=postgres (the postgres vitest project)');
    // Events cross instances on the Redis bus, as in production.
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: `inbox-${Date.now()}` };
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-inbox2-'));
    a = await startInProcess({ ...env }, { dataDir });
    b = await startInProcess({ ...env }, { dataDir });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('two instances raising one condition at once: one entry, every raise counted', async () => {
    const key = `host:hv-race-${Date.now()}:unreachable`;
    const raise = (i: number) =>
      api(i % 2 === 0 ? a.url : b.url, 'POST', '/api/v1/notifications', {
        title: 'hv-race unreachable',
        message: `raise ${i}`,
        level: 'error',
        category: 'host',
        condition_key: key,
      });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => raise(i)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(39);
    const list = await api(a.url, 'GET', `/api/v1/notifications?state=all&condition_key=${encodeURIComponent(key)}`);
    expect(list.body.notifications).toHaveLength(1);
    expect(list.body.notifications[0].count).toBe(40);
  });

  it('a snooze set on one instance comes back live on the other', async () => {
    const n = await api(a.url, 'POST', '/api/v1/notifications', { title: 'snoozy', message: 'm' });
    const { client } = await connectReady(b.wsUrl);
    await api(a.url, 'PUT', `/api/v1/notifications/${n.body.id}/snooze`, { until: new Date(Date.now() + 1_000).toISOString() });
    expect(await client.next((m) => m.type === 'notification' && m.action === 'snoozed')).toMatchObject({ data: { id: n.body.id } });
    expect(await client.next((m) => m.type === 'notification', 5_000)).toMatchObject({ action: 'unsnoozed', data: { id: n.body.id, snoozed_until: null } });
    await client.close();
  });
});
