/**
 * Catch-up as docs/PROTOCOL.md states it (issue 22): a long replay reaches a client that reads at
 * a modest pace in full, only a client that stops reading is closed (4009); `too_far_behind`,
 * pruning and `initial_state` behave as the document says; snapshots and resumes are charged to
 * the cost budgets (`budget_exceeded`, 4010 at connect).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { connectClient, connectReady, type Msg } from '../helpers/ws-client.js';

type Pos = { offset: number; epoch: string };
const isNotification = (m: Msg): boolean => m.type === 'notification';
const resumeUrl = (srv: Running, positions: Record<string, Pos>, topics?: string): string =>
  `${srv.wsUrl}?${topics === undefined ? '' : `topics=${topics}&`}resume=${encodeURIComponent(JSON.stringify(positions))}`;

let srv: Running | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

/** Creates `count` notifications, 16 requests in flight; `size` pads each to about that many bytes. */
async function publishMany(server: Running, count: number, size = 0): Promise<void> {
  const pad = Math.max(0, size - 4000);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const body = {
          title: `n${i}`,
          message: 'm'.repeat(Math.min(size, 3900) || 1),
          level: 'info',
          category: 'system',
          ...(pad > 0 ? { metadata: { pad: 'p'.repeat(Math.min(pad, 15_000)) } } : {}),
        };
        // Through the service (what POST /api/v1/notifications calls), to keep the test short.
        await server.server.notificationService.createNotification(body);
      }
    }),
  );
}

async function epochOf(server: Running): Promise<Pos> {
  const { client, initial } = await connectReady(server.wsUrl);
  await client.close();
  return (initial.positions as Record<string, Pos>).notifications as Pos;
}

describe('a long catch-up (issue 22, item 1)', () => {
  it('resuming 1,200 events of ~19 KB over a client that reads at a modest steady pace delivers all of them without a close', async () => {
    srv = await startInProcess({ NOTIFICATION_RETENTION_COUNT: '5000' });
    const start = await epochOf(srv);
    await publishMany(srv, 1200, 19_000);
    const client = await connectClient(resumeUrl(srv, { notifications: start }));
    const raw = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    // A modest, steady pace: the socket is read for 5 ms of every 10 ms, well under what the server could send.
    raw.pause();
    let pauser: NodeJS.Timeout | undefined;
    const reader = setInterval(() => {
      raw.resume();
      pauser = setTimeout(() => raw.pause(), 5);
    }, 10);
    try {
      const resumed = await client.next((m) => m.type === 'resumed', 10_000);
      expect(resumed).toMatchObject({ recovered: true, replayed: 1200 });
      const offsets: number[] = [];
      for (let i = 0; i < 1200; i++) offsets.push((await client.next(isNotification, 20_000)).offset as number);
      expect(offsets).toEqual(Array.from({ length: 1200 }, (_, i) => start.offset + 1 + i));
    } finally {
      // A pause still due would stop the socket for good: the close then waited out ws's 30 s.
      clearInterval(reader);
      clearTimeout(pauser);
      raw.resume();
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    await client.close();
  }, 90_000);

  it('a client that stops reading during a replay is closed with 4009 once its buffer makes no progress for WS_REPLAY_STALL_MS', async () => {
    srv = await startInProcess({ NOTIFICATION_RETENTION_COUNT: '5000', WS_REPLAY_STALL_MS: '500' });
    const start = await epochOf(srv);
    await publishMany(srv, 400, 19_000);
    const client = await connectClient(resumeUrl(srv, { notifications: start }));
    const raw = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    await client.next((m) => m.type === 'resumed');
    raw.pause();
    await new Promise((r) => setTimeout(r, 1500));
    raw.resume();
    const closed = await client.closed;
    expect(closed.code).toBe(4009);
    expect(client.received.filter(isNotification).length).toBeLessThan(400);
  }, 60_000);
});

describe('what PROTOCOL.md says about resume', () => {
  it('too_far_behind: more than EVENT_LOG_RETENTION_COUNT events logged after the position, whether or not the sweep removed them yet', async () => {
    srv = await startInProcess({ EVENT_LOG_RETENTION_COUNT: '50', RETENTION_SWEEP_INTERVAL_MS: '3600000' });
    const start = await epochOf(srv);
    await publishMany(srv, 60);
    const behind60 = await connectClient(resumeUrl(srv, { notifications: start }));
    expect(await behind60.next((m) => m.type === 'resumed')).toMatchObject({ recovered: false, replayed: 0, reason: 'too_far_behind' });
    expect(await behind60.next((m) => m.type === 'initial_state')).toMatchObject({ positions: { notifications: { offset: start.offset + 60 } } });
    await behind60.close();
    const behind50 = await connectClient(resumeUrl(srv, { notifications: { ...start, offset: start.offset + 10 } }));
    expect(await behind50.next((m) => m.type === 'resumed')).toMatchObject({ recovered: true, replayed: 50 });
    await behind50.close();
  });

  it('a resume from before the retained log is out_of_range as soon as the sweep removed it, even right after the same resume was answered', async () => {
    let clock = Date.now();
    srv = await startInProcess({ EVENT_LOG_RETENTION_HOURS: '1', RETENTION_SWEEP_INTERVAL_MS: '100' }, { now: () => new Date(clock) });
    const start = await epochOf(srv);
    await publishMany(srv, 5);
    const first = await connectClient(resumeUrl(srv, { notifications: start }));
    expect(await first.next((m) => m.type === 'resumed')).toMatchObject({ recovered: true, replayed: 5 });
    await first.close();
    clock += 2 * 3_600_000;
    const deadline = Date.now() + 5000;
    while ((await srv.server.store.eventCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await srv.server.store.eventCount()).toBe(0);
    const again = await connectClient(resumeUrl(srv, { notifications: start }));
    expect(await again.next((m) => m.type === 'resumed')).toMatchObject({ recovered: false, reason: 'out_of_range' });
    await again.close();
  });

  it('initial_state follows connection unless every subscription is resumed at connect; with topics= it is empty', async () => {
    srv = await startInProcess();
    const start = await epochOf(srv);
    const allResumed = await connectClient(resumeUrl(srv, { notifications: start }, 'notifications'));
    await allResumed.next((m) => m.type === 'connection');
    expect(await allResumed.next((m) => m.type === 'resumed')).toMatchObject({ recovered: true, replayed: 0 });
    await allResumed.expectNone((m) => m.type === 'initial_state', 300);
    await allResumed.close();

    const partly = await connectClient(resumeUrl(srv, { notifications: start }, 'notifications,jobs'));
    expect(await partly.next((m) => m.type === 'initial_state')).toMatchObject({ positions: { jobs: {} } });
    expect(Object.keys((partly.received.find((m) => m.type === 'initial_state') as Msg).positions as object)).toEqual(['jobs']);
    await partly.close();

    const none = await connectClient(`${srv.wsUrl}?topics=`);
    expect(await none.next((m) => m.type === 'initial_state')).toMatchObject({ data: {}, positions: {} });
    await none.close();
  });
  it("every replayed frame carries the user's unread count as it is now, and a later resume the changed count", async () => {
    srv = await startInProcess();
    const start = await epochOf(srv);
    await publishMany(srv, 5);
    /** Each replayed frame's unread_count, once `n` are in. */
    const replayedCounts = async (server: Running, n: number): Promise<unknown[]> => {
      const client = await connectClient(resumeUrl(server, { notifications: start }, 'notifications'));
      await client.next((m) => m.type === 'resumed');
      for (let i = 0; i < n; i += 1) await client.next(isNotification);
      await client.close();
      return client.received.filter(isNotification).map((m) => m.unread_count);
    };
    expect(await replayedCounts(srv, 5)).toEqual([5, 5, 5, 5, 5]);
    const page = await api(srv.url, 'GET', '/api/v1/notifications?limit=2');
    for (const n of page.body.notifications as { id: string }[]) expect((await api(srv.url, 'PUT', `/api/v1/notifications/${n.id}/read`)).status).toBe(200);
    // Five created, then two marked read (each an `updated` event): all seven at the count of now.
    expect(await replayedCounts(srv, 7)).toEqual([3, 3, 3, 3, 3, 3, 3]);
  });
});

describe('cost budgets', () => {
  it('a resume beyond the connection budget is answered budget_exceeded with retry_after_ms, and nothing changes', async () => {
    srv = await startInProcess({ WS_COST_BUDGET_PER_CONNECTION: '30', WS_COST_BUDGET_WINDOW_SEC: '60' });
    const start = await epochOf(srv);
    await publishMany(srv, 20);
    const { client } = await connectReady(srv.wsUrl);
    client.send({ type: 'resume', positions: { notifications: start } });
    expect(await client.next((m) => m.type === 'resumed')).toMatchObject({ recovered: true, replayed: 20 });
    for (let i = 0; i < 20; i++) await client.next(isNotification);
    client.send({ type: 'resume', positions: { notifications: start } });
    const refused = await client.next((m) => m.type === 'error');
    expect(refused).toMatchObject({ code: 'budget_exceeded', ref: 'resume' });
    expect(refused.retry_after_ms).toBeGreaterThan(0);
    await client.expectNone((m) => m.type === 'resumed', 200);
    // Still live: the next event arrives as usual.
    await publishMany(srv, 1);
    expect(await client.next(isNotification)).toMatchObject({ offset: start.offset + 21 });
    await client.close();
  });

  it('at connect, a resume beyond the user budget is refused with budget_exceeded and close 4010', async () => {
    srv = await startInProcess({ WS_COST_BUDGET_PER_USER: '15', WS_COST_BUDGET_WINDOW_SEC: '60' });
    const start = await epochOf(srv);
    await publishMany(srv, 20);
    const client = await connectClient(resumeUrl(srv, { notifications: start }));
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'budget_exceeded', ref: 'connect' });
    expect((await client.closed).code).toBe(4010);
  });

  it('at most WS_MAX_QUEUED_SYNCS snapshot or resume requests wait per connection', async () => {
    srv = await startInProcess({ WS_MAX_QUEUED_SYNCS: '1', NOTIFICATION_RETENTION_COUNT: '5000' });
    const start = await epochOf(srv);
    await publishMany(srv, 300);
    const { client } = await connectReady(srv.wsUrl);
    for (let i = 0; i < 3; i++) client.send({ type: 'resume', positions: { notifications: start } });
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'budget_exceeded', ref: 'resume' });
    await client.close();
  });
});
