/** Batch frames (WS_BATCH_WINDOW_MS) and permessage-deflate (WS_COMPRESSION) on and off. */
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { connectClient, connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';

function bytesRead(client: TestClient): number {
  return (client.ws as unknown as { _socket: net.Socket })._socket.bytesRead;
}

describe('batches (WS_BATCH_WINDOW_MS=50)', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startInProcess({ WS_BATCH_WINDOW_MS: '50', JOB_TICK_MS: '10' });
  });
  afterAll(() => srv.close());

  it('a burst on one topic arrives as one batch frame holding every event in offset order', async () => {
    const a = await connectClient(`${srv.wsUrl}?topics=inventory`);
    const b = await connectClient(`${srv.wsUrl}?topics=all`);
    const start = ((await a.next((m) => m.type === 'initial_state')).positions as Record<string, { offset: number }>).inventory?.offset ?? 0;
    await b.next((m) => m.type === 'initial_state');
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-b1', { cluster_id: 'c-b', vms: [1, 2, 3, 4, 5].map((i) => ({ name: `vm${i}` })) });
    for (const client of [a, b]) {
      const batch = await client.next((m) => m.type === 'batch');
      const messages = batch.messages as Msg[];
      expect(batch.topic).toBe('inventory');
      expect(messages.map((m) => m.offset)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => start + i));
      expect(messages.every((m) => m.type === 'inventory' && m.topic === 'inventory')).toBe(true);
      expect(messages.map((m) => (m.data as { id: string }).id)).toEqual(['c-b', 'hv-b1', 'hv-b1/vm1', 'hv-b1/vm2', 'hv-b1/vm3', 'hv-b1/vm4', 'hv-b1/vm5']);
      await client.expectNone((m) => m.type === 'inventory', 100);
    }
    await a.close();
    await b.close();
  });

  it('inside batches a client on jobs + jobs:<id> + all still gets every job event once, in order', async () => {
    const client = await connectClient(`${srv.wsUrl}?topics=jobs,all`);
    await client.next((m) => m.type === 'initial_state');
    const job = await api(srv.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 200 } });
    client.send({ type: 'subscribe', topics: [`jobs:${job.body.id as string}`] });
    const events: Msg[] = [];
    while (!events.some((m) => m.action === 'updated' && (m.data as { job: { status: string } }).job.status === 'completed')) {
      const m = await client.next((x) => x.type === 'batch' || x.type === 'job');
      events.push(...(m.type === 'batch' ? (m.messages as Msg[]) : [m]));
    }
    expect(client.received.some((m) => m.type === 'batch')).toBe(true);
    const offsets = events.map((m) => m.offset as number);
    expect(offsets).toEqual(offsets.map((_, i) => (offsets[0] as number) + i));
    expect(events[0]).toMatchObject({ action: 'created', data: { id: job.body.id } });
    await client.close();
  });

  it('a lone event still goes out as a plain event frame; notifications keep their unread_count inside a batch', async () => {
    const { client } = await connectReady(srv.wsUrl);
    await api(srv.url, 'POST', '/api/v1/notifications', { title: 'lone', message: 'x' });
    expect(await client.next()).toMatchObject({ type: 'notification', action: 'created', data: { title: 'lone' } });
    await Promise.all([1, 2, 3].map((i) => api(srv.url, 'POST', '/api/v1/notifications', { title: `burst ${i}`, message: 'x' })));
    const messages: Msg[] = [];
    let batches = 0;
    while (messages.length < 3) {
      const frame = await client.next();
      if (frame.type === 'batch') batches += 1;
      messages.push(...(frame.type === 'batch' ? (frame.messages as Msg[]) : [frame]));
    }
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(messages.map((m) => (m.data as { title: string }).title).sort()).toEqual(['burst 1', 'burst 2', 'burst 3']);
    expect(messages.every((m) => m.type === 'notification' && typeof m.unread_count === 'number')).toBe(true);
    await client.close();
  });
});

describe('compression', () => {
  const big = 'The quick brown fox jumps over the lazy dog. '.repeat(80);

  async function receiveBytes(srv: Running, message: string): Promise<{ bytes: number; client: TestClient }> {
    const { client } = await connectReady(srv.wsUrl);
    const before = bytesRead(client);
    await api(srv.url, 'POST', '/api/v1/notifications', { title: 'size', message });
    await client.next((m) => m.type === 'notification');
    return { bytes: bytesRead(client) - before, client };
  }

  it('WS_COMPRESSION=true negotiates permessage-deflate and compresses frames above the threshold only', async () => {
    const srv = await startInProcess({ WS_COMPRESSION: 'true', WS_COMPRESSION_THRESHOLD_BYTES: '1024' });
    try {
      const large = await receiveBytes(srv, big);
      expect(large.client.ws.extensions).toContain('permessage-deflate');
      expect(large.bytes).toBeLessThan(big.length / 4);
      await large.client.close();
      const small = await receiveBytes(srv, 'x'.repeat(400));
      expect(small.bytes).toBeGreaterThan(400);
      await small.client.close();
    } finally {
      await srv.close();
    }
  });

  it('compresses a broadcast once for all its receivers, and every receiver inflates it intact', async () => {
    const srv = await startInProcess({ WS_COMPRESSION: 'true' });
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => connectReady(srv.wsUrl).then((r) => r.client)));
    try {
      for (let i = 0; i < 3; i++) await api(srv.url, 'POST', '/api/v1/notifications', { title: `t${i}`, message: big });
      for (const client of clients) {
        for (let i = 0; i < 3; i++) expect(await client.next((m) => m.type === 'notification')).toMatchObject({ data: { title: `t${i}`, message: big } });
        expect(client.ws.readyState).toBe(client.ws.OPEN);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await srv.close();
    }
    const line = srv.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => typeof l.reused === 'number');
    expect(line).toMatchObject({ compressed: 3, reused: 12, fallback: 0 });
  });

  it('a burst of small and large events (one fan-out group) arrives whole and in order, the large ones compressed', async () => {
    const srv = await startInProcess({ WS_COMPRESSION: 'true', WS_COMPRESSION_THRESHOLD_BYTES: '1024' });
    const clients = await Promise.all([1, 2].map(() => connectReady(srv.wsUrl).then((r) => r.client)));
    try {
      const messages = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? big : `small ${i}`));
      await Promise.all(messages.map((message, i) => api(srv.url, 'POST', '/api/v1/notifications', { title: `g${i}`, message })));
      for (const client of clients) {
        const got: Msg[] = [];
        for (let i = 0; i < messages.length; i++) got.push(await client.next((m) => m.type === 'notification'));
        const offsets = got.map((m) => m.offset as number);
        expect(offsets).toEqual(offsets.map((_, i) => (offsets[0] as number) + i));
        const byTitle = new Map(got.map((m) => [(m.data as { title: string }).title, (m.data as { message: string }).message]));
        expect(messages.every((message, i) => byTitle.get(`g${i}`) === message)).toBe(true);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await srv.close();
    }
  });

  it('is off by default: no extension is negotiated and frames go out whole', async () => {
    const srv = await startInProcess({});
    try {
      const large = await receiveBytes(srv, big);
      expect(large.client.ws.extensions).toBe('');
      expect(large.bytes).toBeGreaterThan(big.length);
      await large.client.close();
    } finally {
      await srv.close();
    }
  });
});
