/** Heartbeats, slow consumers, connect storms, metrics, and gapless resume under concurrent writes. */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, startInProcess } from '../helpers/inprocess.js';
import { connectClient, connectReady } from '../helpers/ws-client.js';

type Pos = { offset: number; epoch: string };

describe('heartbeats', () => {
  it('pings on a fixed schedule that incoming data does not postpone', async () => {
    const srv = await startInProcess({ WS_PING_INTERVAL_MS: '200', WS_PONG_TIMEOUT_MS: '1000' });
    const { client } = await connectReady(srv.wsUrl);
    let pings = 0;
    client.ws.on('ping', () => (pings += 1));
    const chatter = setInterval(() => client.send({ type: 'ping' }), 20);
    await new Promise((r) => setTimeout(r, 1100));
    clearInterval(chatter);
    expect(pings).toBeGreaterThanOrEqual(3);
    await client.close();
    await srv.close();
  });

  it('terminates a peer that does not answer pings', async () => {
    const srv = await startInProcess({ WS_PING_INTERVAL_MS: '100', WS_PONG_TIMEOUT_MS: '150' });
    const silent = await connectClient(srv.wsUrl, { autoPong: false });
    const healthy = await connectReady(srv.wsUrl);
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    await new Promise((r) => setTimeout(r, 100));
    expect(healthy.client.ws.readyState).toBe(WebSocket.OPEN);
    expect(srv.server.hub.size).toBe(1);
    await healthy.client.close();
    await srv.close();
  });
});

describe('slow consumers', () => {
  it('closes a client whose send buffer overflows with 4009, while others keep receiving', async () => {
    const srv = await startInProcess({ WS_MAX_BUFFERED_BYTES: '32768' });
    const slow = await connectReady(srv.wsUrl);
    const fast = await connectReady(srv.wsUrl);
    const raw = (slow.client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    // Ephemeral 256 KiB frames fill the kernel's loopback buffers quickly; then ws starts buffering.
    const frame = { type: 'bulk', data: 'x'.repeat(256 * 1024) };
    let sent = 0;
    for (; sent < 400 && srv.server.hub.size === 2; sent++) {
      srv.server.hub.broadcast(frame, { topic: 'notifications' });
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(srv.server.hub.size).toBe(1);
    await api(srv.url, 'POST', '/api/v1/notifications', { title: 'still flowing', message: 'x' });
    expect(await fast.client.next((m) => m.action === 'created', 10_000)).toMatchObject({ data: { title: 'still flowing' } });
    raw.resume();
    expect((await slow.client.closed).code).toBe(4009);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/aether_ws_slow_consumer_closes_total 1/);
    await fast.client.close();
    await srv.close();
  });
});

describe('connection storms', () => {
  it('answers 503 beyond the connect rate and accepts the rest', async () => {
    const srv = await startInProcess({ WS_MAX_CONNECT_RATE: '5' });
    const attempts = await Promise.allSettled(Array.from({ length: 15 }, () => connectClient(srv.wsUrl)));
    const ok = attempts.filter((a) => a.status === 'fulfilled');
    const refused = attempts.filter((a) => a.status === 'rejected');
    expect(ok.length).toBe(5);
    expect(refused.length).toBe(10);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/503/);
    await Promise.all(ok.map((a) => (a as PromiseFulfilledResult<Awaited<ReturnType<typeof connectClient>>>).value.close()));
    await srv.close();
  });

  it('counts /ws upgrades and /sse streams against one connect rate', async () => {
    const srv = await startInProcess({ WS_MAX_CONNECT_RATE: '5' });
    const sockets = await Promise.all(Array.from({ length: 5 }, () => connectClient(srv.wsUrl)));
    // The second's budget is spent by the WebSockets: a stream in the same second is refused too.
    const stream = await fetch(`${srv.url}/sse`);
    expect(stream.status).toBe(503);
    expect(stream.headers.get('retry-after')).toBe('1');
    await stream.body?.cancel();
    await Promise.all(sockets.map((s) => s.close()));
    await srv.close();
  });
});

describe('metrics', () => {
  it('exposes connections, subscriptions, traffic, resumes, closes and the event log in Prometheus format', async () => {
    const srv = await startInProcess();
    const { client, initial } = await connectReady(srv.wsUrl);
    await api(srv.url, 'POST', '/api/v1/notifications', { title: 'm', message: 'x' });
    await client.next((m) => m.action === 'created');
    client.send({ type: 'resume', positions: { notifications: (initial.positions as Record<string, Pos>).notifications } });
    await client.next((m) => m.type === 'resumed');
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    for (const line of [
      'aether_ws_connections 1',
      'aether_ws_subscriptions{family="notifications"} 1',
      'aether_ws_subscribed_topics{family="notifications"} 1',
      'aether_http_connections ',
      'aether_ws_resumes_total{recovered="true"} 1',
      'aether_event_log_events 1',
      'aether_ws_messages_in_total 1',
      'aether_nodejs_eventloop_lag_seconds',
    ])
      expect(text).toContain(line);
    expect(text).toMatch(/aether_ws_messages_out_total [1-9]/);
    expect(text).toMatch(/aether_ws_bytes_out_total [1-9]/);
    await client.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await (await fetch(`${srv.url}/metrics`)).text()).toContain('aether_ws_closes_total{code="1000"} 1');
    await srv.close();
  });
});

describe('resume under concurrent writes', () => {
  for (const via of ['url', 'message'] as const) {
    it(`every reconnecting client applies each offset once and in order, gaps only where a snapshot covers them (resume via ${via})`, async () => {
      const srv = await startInProcess();
      const writes = 120;
      let writing = true;
      const writer = (async () => {
        for (let i = 0; i < writes; i++) await api(srv.url, 'POST', '/api/v1/notifications', { title: `w${i}`, message: 'x' });
        writing = false;
      })();
      const results = await Promise.all(
        Array.from({ length: 6 }, async (_, c) => {
          const applied: number[] = [];
          const snapshots: number[] = [];
          let position: Pos | undefined;
          let reconnects = 0;
          while (writing || position === undefined || position.offset < writes) {
            const resumeQuery = position !== undefined && via === 'url' ? `?resume=${encodeURIComponent(JSON.stringify({ notifications: position }))}` : '';
            const client = await connectClient(srv.wsUrl + resumeQuery);
            if (position !== undefined && via === 'message') client.send({ type: 'resume', positions: { notifications: position } });
            const until = Date.now() + 20 + ((c * 37) % 60);
            for (;;) {
              const m = await client.next(() => true, 2000).catch(() => undefined);
              if (m === undefined) break;
              const snap = m.type === 'initial_state' ? (m.positions as Record<string, Pos>).notifications : undefined;
              if (snap !== undefined && (position === undefined || snap.offset > position.offset)) {
                position = snap;
                snapshots.push(snap.offset);
              }
              if (m.type === 'resumed') expect(m.recovered).toBe(true);
              if (m.type === 'notification' && position !== undefined && (m.offset as number) > position.offset) {
                applied.push(m.offset as number);
                position = { offset: m.offset as number, epoch: position.epoch };
              }
              if (Date.now() > until && writing) break;
              if (!writing && position !== undefined && position.offset >= writes) break;
            }
            client.ws.terminate();
            reconnects += 1;
          }
          return { applied, snapshots, reconnects };
        }),
      );
      await writer;
      for (const { applied, snapshots, reconnects } of results) {
        expect(reconnects).toBeGreaterThan(1);
        for (let i = 1; i < applied.length; i++) {
          const [prev, cur] = [applied[i - 1] as number, applied[i] as number];
          if (cur !== prev + 1)
            expect(
              snapshots.some((s) => s >= prev && s < cur),
              `gap ${prev}→${cur} not covered by a snapshot`,
            ).toBe(true);
        }
        if (via === 'url') expect(snapshots).toHaveLength(1);
        expect(Math.max(...applied, ...snapshots)).toBe(writes);
      }
      await srv.close();
    });
  }
});
