/**
 * The chaos harness: many mirrors on a real server process while a driver changes notifications
 * over REST; meanwhile the server is killed (SIGKILL) or stopped (SIGTERM) and restarted, clients
 * are dropped at random and some stall. Afterwards every mirror must equal the database. Half the
 * clients use WebSocket, half Server-Sent Events (sse-mirror.ts).
 */
import fs from 'node:fs';
import { api } from '../helpers/inprocess.js';
import { startServer, type ChildServer } from '../helpers/server.js';
import { createMirror, type Mirror } from './mirror.js';
import { createSseMirror } from './sse-mirror.js';

export interface ChaosOptions {
  readonly clients: number;
  readonly durationMs: number;
  readonly restartEveryMs: number;
  /** The run goes on past durationMs (by at most durationMs again) until this many restarts are done. */
  readonly minRestarts?: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly errors: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
}

type Counts = Record<string, number> & { restarts: number; kills: number; drops: number; stalls: number; checks: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long one change keeps being retried through an outage: longer than a restart may take (the
 * stop's 10 s grace before SIGKILL plus the start's 30 s readiness bound in helpers/server.ts), so a
 * slow restart on a loaded CI machine fails the restart, not the driver.
 */
const DRIVER_PATIENCE_MS = 50_000;

/** One REST change, retried through outages; creates carry an Idempotency-Key so a retry never doubles them. */
async function driveOnce(server: ChildServer, known: string[], seq: number, counts: Record<string, number>, abandoned: () => boolean): Promise<void> {
  const roll = Math.random();
  const giveUpAt = Date.now() + DRIVER_PATIENCE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      if (roll < 0.65 || known.length === 0) {
        const r = await api(
          server.url,
          'POST',
          '/api/v1/notifications',
          { title: `chaos ${seq}`, message: 'x', level: 'info' },
          { 'idempotency-key': `chaos-${seq}` },
        );
        if (r.status !== 201) throw new Error(`create ${r.status}`);
        if (!known.includes(r.body.id)) known.push(r.body.id);
        counts.creates = (counts.creates ?? 0) + 1;
      } else if (roll < 0.85) {
        const id = known[Math.floor(Math.random() * known.length)] as string;
        await api(server.url, 'PUT', `/api/v1/notifications/${id}/${Math.random() < 0.6 ? 'read' : 'unread'}`);
        counts.readChanges = (counts.readChanges ?? 0) + 1;
      } else if (roll < 0.96) {
        const id = known.splice(Math.floor(Math.random() * known.length), 1)[0] as string;
        await api(server.url, 'DELETE', `/api/v1/notifications/${id}`);
        counts.deletes = (counts.deletes ?? 0) + 1;
      } else {
        await api(server.url, 'PUT', '/api/v1/notifications/mark-all-read', { before: new Date(Date.now() - 500).toISOString() });
        counts.markAllRead = (counts.markAllRead ?? 0) + 1;
      }
      return;
    } catch (error) {
      counts.retries = (counts.retries ?? 0) + 1;
      if (abandoned()) return;
      if (Date.now() >= giveUpAt) {
        const last = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
        throw new Error(`driver: change ${seq} failed ${attempt} times over ${DRIVER_PATIENCE_MS} ms; last: ${last}`, { cause: error });
      }
      await sleep(50);
    }
  }
}

async function readAll(server: ChildServer): Promise<Map<string, boolean>> {
  const all = new Map<string, boolean>();
  let cursor = '';
  for (;;) {
    const r = await api(server.url, 'GET', `/api/v1/notifications?limit=500&cursor=${cursor}`);
    for (const n of r.body.notifications as { id: string; read: boolean }[]) all.set(n.id, n.read);
    if (r.body.next_cursor === null) return all;
    cursor = r.body.next_cursor as string;
  }
}

async function serverStats(server: ChildServer): Promise<{ connections: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return { connections: Number(/^aether_ws_connections (\d+)/m.exec(text)?.[1] ?? NaN) };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const errors: string[] = [];
  const counts: Counts = { restarts: 0, kills: 0, drops: 0, stalls: 0, checks: 0 };
  const server = await startServer({
    env: { INITIAL_STATE_LIMIT: '1000', NOTIFICATION_RETENTION_COUNT: '400', WS_MAX_BUFFERED_BYTES: '65536', WS_MAX_CONNECT_RATE: '0' },
  });
  // Every other client is on Server-Sent Events, resuming with Last-Event-ID as a browser does.
  const mirrors: Mirror[] = Array.from({ length: options.clients }, (_, i) =>
    i % 2 === 1
      ? createSseMirror(
          i,
          () => server.url,
          (e) => errors.push(e),
        )
      : createMirror(
          i,
          () => server.wsUrl,
          (e) => errors.push(e),
        ),
  );
  try {
    return await exercise(server, mirrors, options, errors, counts);
  } finally {
    await Promise.all(mirrors.map((m) => m.stop()));
    await server.close();
  }
}

async function exercise(server: ChildServer, mirrors: readonly Mirror[], options: ChaosOptions, errors: string[], counts: Counts): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const known: string[] = [];
  const deadline = Date.now() + options.durationMs;
  // A slow machine makes restarts slow: the run goes on until minRestarts are done, within a bound.
  const overtime = deadline + options.durationMs;
  const minRestarts = options.minRestarts ?? 0;
  let failure: unknown;
  const failed = () => failure !== undefined;
  const running = () => !failed() && (Date.now() < deadline || (counts.restarts < minRestarts && Date.now() < overtime));
  let seq = 0;
  let down = false;

  const driver = (async () => {
    while (running()) {
      await driveOnce(server, known, seq++, counts, failed);
      await sleep(5);
    }
  })();
  const faults = (async () => {
    let nextRestart = Date.now() + options.restartEveryMs;
    while (running()) {
      await sleep(100);
      const victim = mirrors[Math.floor(Math.random() * mirrors.length)] as Mirror;
      if (Math.random() < 0.3) {
        victim.drop();
        counts.drops += 1;
      } else if (Math.random() < 0.1) {
        victim.stall(300 + Math.floor(Math.random() * 700));
        counts.stalls += 1;
      }
      if (Date.now() >= nextRestart && !down) {
        const kill = counts.restarts % 2 === 0;
        down = true;
        await server.stop(kill ? 'SIGKILL' : 'SIGTERM');
        if (kill) counts.kills += 1;
        await sleep(200 + Math.floor(Math.random() * 300));
        await server.start();
        down = false;
        counts.restarts += 1;
        nextRestart = Date.now() + options.restartEveryMs;
        log(`restart ${counts.restarts} (${kill ? 'SIGKILL' : 'SIGTERM'})`);
      }
    }
  })();
  // When one loop fails the other stops too, so no restart starts a server after runChaos has closed it.
  const fail = (error: unknown) => {
    failure ??= error;
  };
  await Promise.all([driver.catch(fail), faults.catch(fail)]);
  if (failed()) throw failure;

  // Quiesce: every mirror must catch up to the log's head and equal the database.
  const probe = await api(server.url, 'GET', '/api/v1/notifications?limit=1');
  if (probe.status !== 200) errors.push(`server not healthy after chaos: ${probe.status}`);
  const db = await readAll(server);
  const head = await headOffset(server);
  const settleBy = Date.now() + 15_000;
  while (Date.now() < settleBy && mirrors.some((m) => (m.position()?.offset ?? -1) < head || !m.isOpen())) await sleep(50);
  for (const m of mirrors) {
    counts.checks += 1;
    if ((m.position()?.offset ?? -1) !== head) errors.push(`client ${m.id}: at ${m.position()?.offset} but head is ${head}`);
    const mine = new Map([...m.state.values()].map((n) => [n.id, n.read]));
    counts.checks += 1;
    if (mine.size !== db.size) errors.push(`client ${m.id}: ${mine.size} notifications, database has ${db.size}`);
    for (const [id, read] of db) {
      counts.checks += 1;
      if (mine.get(id) !== read) errors.push(`client ${m.id}: ${id} is ${mine.get(id)} but database says read=${read}`);
    }
  }
  // Closes from the probe and the last drops may still be in flight: give them a moment.
  let { connections } = await serverStats(server);
  for (let i = 0; i < 40 && connections !== mirrors.length; i++) {
    await sleep(100);
    ({ connections } = await serverStats(server));
  }
  counts.checks += 1;
  if (connections !== mirrors.length) errors.push(`server holds ${connections} connections for ${mirrors.length} clients (leak)`);
  // Open files of the last server process: one socket per client plus a fixed base (database, listener, pipes).
  const fds = server.pid === undefined ? NaN : fs.readdirSync(`/proc/${server.pid}/fd`).length;
  counts.serverOpenFiles = fds;
  counts.checks += 1;
  if (!(fds <= mirrors.length + 60)) errors.push(`server has ${fds} open files for ${mirrors.length} clients (leak)`);
  const open = mirrors.filter((m) => m.isOpen()).length;
  counts.checks += 1;
  if (open !== mirrors.length) errors.push(`${mirrors.length - open} clients are not connected at the end`);

  for (const m of mirrors) {
    counts.events = (counts.events ?? 0) + m.stats.events;
    counts.reconnects = (counts.reconnects ?? 0) + m.stats.reconnects;
    counts.snapshots = (counts.snapshots ?? 0) + m.stats.snapshots;
    counts.resumedRecovered = (counts.resumedRecovered ?? 0) + m.stats.recovered;
    counts.resumedNotRecovered = (counts.resumedNotRecovered ?? 0) + m.stats.notRecovered;
    counts.slowConsumerCloses = (counts.slowConsumerCloses ?? 0) + (m.stats.closes.get(4009) ?? 0);
    counts.duplicates = (counts.duplicates ?? 0) + m.stats.duplicates;
    counts.gaps = (counts.gaps ?? 0) + m.stats.gaps;
  }
  counts.headOffset = head;
  counts.notificationsInDb = db.size;
  return { errors, counts };
}

async function headOffset(server: ChildServer): Promise<number> {
  const WebSocket = (await import('ws')).default;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl);
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; positions?: Record<string, { offset: number }> };
      if (m.type !== 'initial_state') return;
      ws.close();
      resolve(m.positions?.notifications?.offset ?? 0);
    });
    ws.on('error', reject);
  });
}
