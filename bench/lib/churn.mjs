/**
 * S8 (jitter) and S9 (rolling deploy): clients that lose their connection while events flow,
 * and what each server's recovery makes of it. The clients are bench/load/churn.mjs processes.
 * Every wait is bounded; every process started here is stopped in `finally`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowMs, sleep } from './proc.mjs';
import { percentile } from './stats.mjs';
import { servicesMissing, startHaproxy, startPostgres, startRedis } from './services.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const churnWorkerFile = path.join(here, '..', 'load', 'churn.mjs');
const PER_WORKER = 9_000; // well under the 20,000 open files one process may hold

const round = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

/** Reconnect delays by each client library's defaults (src/client; socket.io-client). */
const BACKOFF = {
  ours: { kind: 'ours', baseMs: 1000, factor: 1.5, jitter: 0.2, maxMs: 30_000 },
  'socket.io': { kind: 'socket.io', baseMs: 1000, factor: 2, jitter: 0.5, maxMs: 5000 },
};

function body(i) {
  return { title: `churn ${i}`, message: 'bench', metadata: { t: nowMs(), i } };
}

/**
 * Open-loop publishing at `rate` per second while `keepGoing()` (or for `seconds`); each event
 * carries its index. Resolves with how many were sent and the indices whose POST failed.
 * @param {{ seconds?: number, keepGoing?: () => boolean }} how
 */
async function publishSteady(pub, rate, how) {
  const { seconds, keepGoing } = how;
  const t0 = nowMs();
  const failed = [];
  const inflight = [];
  let i = 0;
  for (; seconds !== undefined ? i < rate * seconds : keepGoing?.(); i++) {
    const wait = t0 + (i * 1000) / rate - nowMs();
    if (wait > 1) await sleep(wait);
    const n = i;
    inflight.push(pub.post('/api/v1/notifications', body(n)).then((s) => (s === 201 ? undefined : failed.push(n))));
  }
  await Promise.all(inflight);
  return { sent: i, failed };
}

/** Opens `n` churn clients over the pool's workers against `port`. */
async function connectChurn(ctx, pool, n, port, extra) {
  const k = pool.workers.length;
  const counts = pool.workers.map((_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
  const replies = await pool.all(
    (i) => ({
      cmd: 'connect',
      host: '127.0.0.1',
      port,
      protocol: ctx.def.protocol,
      prefix: ctx.def.prefix,
      headers: ctx.auth.ws,
      resume: ctx.def.recovery ?? 'none',
      backoff: BACKOFF[ctx.def.backoff ?? 'ours'],
      count: counts[i],
      startIndex: counts.slice(0, i).reduce((a, b) => a + b, 0),
      concurrency: 200,
      timeoutMs: 120_000,
      ...extra,
    }),
    130_000,
  );
  return replies.reduce((a, r) => a + r.ready, 0);
}

/** Everyone back and, for a server that recovers, holding every event published without error; then every client's figures. */
async function settleAndGather(ctx, pool, published, drainMs) {
  const ok = [...Array(published.sent).keys()].filter((i) => !published.failed.includes(i));
  const needAll = (ctx.def.recovery ?? 'none') !== 'none';
  const settled = await pool.all({ cmd: 'settle', needAll, expected: published.sent, exclude: published.failed, timeoutMs: drainMs }, drainMs + 10_000);
  if (!needAll) await sleep(1000);
  const replies = await pool.all({ cmd: 'stats', expected: published.sent, exclude: published.failed });
  return {
    clients: replies.flatMap((r) => r.clients),
    expected: ok.length,
    settled: settled.every((s) => s.done),
    settleMs: round(Math.max(0, ...settled.map((s) => s.ms)), 0),
    ...clientSide(replies),
  };
}

/**
 * The load generator's side: its worst event-loop delay (p99 and max over its processes; a late
 * client loop stretches every dial and replay it times) and why dials failed ("ECONNRESET 12,
 * 1006 3": the socket error's code, or the close code, before the client was up).
 */
function clientSide(replies) {
  const causes = new Map();
  for (const r of replies) for (const [why, n] of Object.entries(r.failures ?? {})) causes.set(why, (causes.get(why) ?? 0) + n);
  return {
    client_loop_delay_p99_ms: round(Math.max(0, ...replies.map((r) => r.loop?.p99 ?? 0)), 1),
    client_loop_delay_max_ms: round(Math.max(0, ...replies.map((r) => r.loop?.max ?? 0)), 1),
    failed_reconnect_causes:
      [...causes]
        .sort((a, b) => b[1] - a[1])
        .map(([why, n]) => `${why} ${n}`)
        .join(', ') || 'none',
  };
}

function sorted(values) {
  return Float64Array.from(values).sort();
}

/** S8: jitter. N clients on `notifications`, each dropped (TCP destroyed) every few seconds. */
export async function s8(ctx) {
  const p = ctx.params.s8;
  const server = await ctx.startServer();
  const pool = ctx.startWorkers(Math.ceil(p.clients / PER_WORKER), churnWorkerFile, { nice: false });
  const pub = ctx.publisher();
  try {
    const ready = await connectChurn(ctx, pool, p.clients, ctx.port, { dropEveryMs: p.dropEveryMs, offlineMs: p.offlineMs });
    await pool.all({ cmd: 'churn', on: true });
    // The server's stalls over the churn (bench/servers/preload.mjs), as in S3: a replay tail with a
    // small loop delay is the clients' or the machine's, not a stall in the server.
    await server.rpc({ cmd: 'loop', reset: true }, 5_000).catch(() => undefined);
    const published = await publishSteady(pub, p.rate, { seconds: p.seconds });
    const loop = await server.rpc({ cmd: 'loop', reset: false }, 5_000).catch(() => ({}));
    await pool.all({ cmd: 'churn', on: false });
    const g = await settleAndGather(ctx, pool, published, ctx.params.drainMs);
    const delivery = g.clients.map((c) => (g.expected === 0 ? 1 : (g.expected - c.missed) / g.expected));
    const replays = sorted(g.clients.flatMap((c) => c.replays));
    // Each replay in two parts: dial → 101 (TCP, upgrade, auth) and 101 → caught up (resume, replay).
    const toOpen = sorted(g.clients.flatMap((c) => c.replayOpen ?? []));
    const afterOpen = sorted(g.clients.flatMap((c) => c.replays.map((r, k) => r - (c.replayOpen?.[k] ?? 0))));
    const recovers = (ctx.def.recovery ?? 'none') !== 'none';
    return {
      clients: ready,
      published: g.expected,
      publish_failed: published.failed.length,
      drops: g.clients.reduce((a, c) => a + c.outages, 0),
      failed_reconnects: g.clients.reduce((a, c) => a + c.failedDials, 0),
      delivery_min_pct: round(100 * Math.min(...delivery), 2),
      delivery_mean_pct: round((100 * delivery.reduce((a, b) => a + b, 0)) / Math.max(1, delivery.length), 2),
      clients_with_loss: g.clients.filter((c) => c.missed > 0).length,
      duplicates: g.clients.reduce((a, c) => a + c.dups, 0),
      out_of_order: g.clients.reduce((a, c) => a + c.outOfOrder, 0),
      replay_p50_ms: recovers ? round(percentile(replays, 50), 1) : 'n/a (no recovery)',
      replay_p99_ms: recovers ? round(percentile(replays, 99), 1) : 'n/a (no recovery)',
      replay_max_ms: recovers ? round(replays[replays.length - 1] ?? null, 1) : null,
      replay_split: recovers
        ? `${round(percentile(toOpen, 50), 1)} / ${round(percentile(toOpen, 99), 1)} · ${round(percentile(afterOpen, 50), 1)} / ${round(percentile(afterOpen, 99), 1)}`
        : null,
      failed_reconnect_causes: g.failed_reconnect_causes,
      client_loop_delay_p99_ms: g.client_loop_delay_p99_ms,
      client_loop_delay_max_ms: g.client_loop_delay_max_ms,
      settled: g.settled ? 'yes' : 'no',
      settle_ms: g.settleMs,
      ...Object.fromEntries(Object.entries(loop).filter(([k]) => k !== 'id')),
    };
  } finally {
    pub.close();
    await pool.stop();
    await server.stop();
  }
}

/** The events some client never got, by publish index with how many clients missed each ("312 ×1434"), or "none". */
function lostEvents(clients) {
  const byIndex = new Map();
  for (const c of clients) for (const i of c.missedIndexes ?? []) byIndex.set(i, (byIndex.get(i) ?? 0) + 1);
  if (byIndex.size === 0) return 'none';
  const top = [...byIndex].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 6);
  return top.map(([i, n]) => `${i} ×${n}`).join(', ') + (byIndex.size > top.length ? ` (${byIndex.size} events in all)` : '');
}

/** Whether this build of ours has a PostgreSQL bus (issue 16, part 3): dist/bus/postgres*.js or pg*.js. */
function postgresBusBuilt(root) {
  const dir = path.join(root, 'dist', 'bus');
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /^(postgres|pg)[\w-]*\.js$/.test(f));
}

/** A build of ours (ours, or ours-base with --base-dist): PostgreSQL + Redis (or PostgreSQL alone), /readyz. */
const isOurs = (def) => def.name === 'ours' || def.name === 'ours-base';

/** The S9 deployment for one server: private stores, three instances, HAProxy. */
async function startCluster(ctx, p) {
  const ours = isOurs(ctx.def);
  const base = ctx.port;
  const ports = Array.from({ length: p.instances }, (_, k) => base + 1 + k);
  const stores = [];
  const env = {};
  try {
    if (ours) {
      const pg = await startPostgres(base + 10);
      stores.push(pg);
      env.DATABASE_URL = pg.url;
    }
    if (!ours || ctx.cluster === 'redis') {
      const redis = await startRedis(base + 11);
      stores.push(redis);
      if (ours) Object.assign(env, { REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: 'bench-s9' });
      else env.BENCH_REDIS_URL = redis.url;
    }
    const instances = [];
    // One at a time: the first one migrates the fresh database.
    // Not pinned: the three instances are the system under test and share both cores.
    for (const port of ports) instances.push(await ctx.startServer({ port, env, pin: false }));
    const balancer = await startHaproxy(base, ports, ours ? '/readyz' : '/healthz', ctx.logFile?.('haproxy'));
    return { ports, env, instances, balancer, stores };
  } catch (err) {
    for (const s of stores.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}

/** Why S9 cannot run for this server, or null. */
function s9Unavailable(ctx, root) {
  if (!ctx.def.cluster) return 'n/a: no cross-instance peer (S9 compares ours with socket.io-csr)';
  const missing = servicesMissing();
  if (missing) return `skipped: ${missing}`;
  if (isOurs(ctx.def) && ctx.cluster === 'postgres' && !postgresBusBuilt(root))
    return 'n/a: PostgreSQL-only cluster not available yet (no PostgreSQL bus in dist/bus)';
  return null;
}

/**
 * S9: rolling deploy. Three instances behind HAProxy, clients through the balancer, events
 * flowing through it; each instance in turn gets SIGTERM, drains, exits and starts again.
 */
export async function s9(ctx, root) {
  const why = s9Unavailable(ctx, root);
  if (why) return { note: why };
  const p = ctx.params.s9;
  const cl = await startCluster(ctx, p);
  const pool = ctx.startWorkers(Math.ceil(p.clients / PER_WORKER), churnWorkerFile, { nice: false });
  const pub = ctx.publisher();
  let deploying = true;
  try {
    const ready = await connectChurn(ctx, pool, p.clients, ctx.port, {});
    const publishing = publishSteady(pub, p.rate, { keepGoing: () => deploying });
    const stopMs = [];
    const startMs = [];
    const exits = [];
    await sleep(p.gapMs);
    for (let k = 0; k < cl.instances.length; k++) {
      const t0 = nowMs();
      const exit = await cl.instances[k].stop(p.stopTimeoutMs);
      exits.push(exit.signal ?? `exit ${exit.code}`);
      const t1 = nowMs();
      cl.instances[k] = await ctx.startServer({ port: cl.ports[k], env: cl.env, reuse: true, pin: false });
      stopMs.push(t1 - t0);
      startMs.push(nowMs() - t1);
      await sleep(p.gapMs);
    }
    deploying = false;
    const published = await publishing;
    const g = await settleAndGather(ctx, pool, published, ctx.params.drainMs);
    const down = sorted(g.clients.filter((c) => c.outages > 0).map((c) => c.downtimeMs));
    return {
      clients: ready,
      cluster: isOurs(ctx.def) ? `${ctx.cluster} (PostgreSQL${ctx.cluster === 'redis' ? ' + Redis' : ' only'})` : 'Redis streams adapter',
      published: g.expected,
      publish_failed: published.failed.length,
      lost: g.clients.reduce((a, c) => a + c.missed, 0),
      clients_with_loss: g.clients.filter((c) => c.missed > 0).length,
      lost_events: lostEvents(g.clients),
      duplicated: g.clients.reduce((a, c) => a + c.dups, 0),
      never_back: g.clients.filter((c) => !c.up).length,
      reconnects: g.clients.reduce((a, c) => a + c.outages, 0),
      failed_reconnects: g.clients.reduce((a, c) => a + c.failedDials, 0),
      downtime_p50_ms: round(percentile(down, 50), 0),
      downtime_p99_ms: round(percentile(down, 99), 0),
      downtime_max_ms: round(down[down.length - 1] ?? null, 0),
      stop_ms_max: round(Math.max(...stopMs), 0),
      start_ms_max: round(Math.max(...startMs), 0),
      exits: exits.join(' '),
      failed_reconnect_causes: g.failed_reconnect_causes,
      client_loop_delay_p99_ms: g.client_loop_delay_p99_ms,
      client_loop_delay_max_ms: g.client_loop_delay_max_ms,
      settled: g.settled ? 'yes' : 'no',
      settle_ms: g.settleMs,
    };
  } finally {
    deploying = false;
    pub.close();
    await pool.stop();
    for (const inst of cl.instances) await inst.stop();
    await cl.balancer.stop();
    for (const s of cl.stores.reverse()) await s.stop().catch(() => undefined);
  }
}
