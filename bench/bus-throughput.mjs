#!/usr/bin/env node
/**
 * Events across three instances, per bus: three servers on one PostgreSQL database, each with
 * `--clients` sockets on `notifications`; a publisher POSTs `--posts` notifications round robin
 * to the three (`--concurrency` in flight). Per bus: events per second delivered to every socket
 * (POSTs ÷ time from the first POST to the last socket holding the last event), delivery latency
 * (POST sent → received) p50/p99 on sockets of the other instances, the bus delay (received
 * there − received on the POST's own instance: what the bus adds), the three servers' CPU µs per
 * event (includes their idle work at a low `--rate`), the database's committed transactions per
 * event (the write, the bus's log reads, the 2 s catch-up checks), and whether every socket got
 * every offset once and in order.
 *
 * Buses: `redis` (REDIS_URL set) and `postgres` (no REDIS_URL: LISTEN/NOTIFY carrying offsets).
 * The PostgreSQL and Redis given are used for the run; a fresh database per bus, dropped after.
 *
 *   node bench/bus-throughput.mjs --postgres postgres://postgres@127.0.0.1:5432/postgres
 *        [--redis redis://127.0.0.1:6379] [--buses postgres,redis] [--posts 3000]
 *        [--clients 20] [--concurrency 16 | --rate 50] [--port 18800]
 *
 * Without `--rate` the POSTs run closed loop (`--concurrency` in flight: the most the cluster
 * takes); with it, open loop at that many POSTs per second (latency at a steady load).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { optionReader } from './lib/cli.mjs';
import { createPublisher, inLanes, nowMs, procCpuMicros, sleep, startServer } from './lib/proc.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = optionReader();
const postgres = opt('postgres', undefined);
const redis = opt('redis', undefined);
const buses = String(opt('buses', redis === undefined ? 'postgres' : 'postgres,redis')).split(',');
const posts = Number(opt('posts', 3000));
const clientsPer = Number(opt('clients', 20));
const concurrency = Number(opt('concurrency', 16));
const basePort = Number(opt('port', 18_800));
const rate = opt('rate', undefined) === undefined ? undefined : Number(opt('rate', undefined));
if (postgres === undefined) throw new Error('--postgres postgres://… is required (a server this run may create databases on)');
if (buses.includes('redis') && redis === undefined) throw new Error('--redis redis://… is required for the redis bus');
if (!fs.existsSync(path.join(root, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-bus-bench-'));

/** Committed transactions on the database so far (the statistics lag up to a second: wait first). */
async function commits(url) {
  await sleep(1500);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query('select xact_commit from pg_stat_database where datname = current_database()')).rows[0].xact_commit);
  } finally {
    await c.end();
  }
}

async function freshDatabase() {
  const admin = new pg.Client({ connectionString: postgres });
  await admin.connect();
  const name = `aether_bus_${crypto.randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const url = new URL(postgres);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => (await admin.query(`drop database if exists ${name} with (force)`), await admin.end()) };
}

/** A socket on `port` that records, per POST index (from the title), when its event arrived. */
function socket(port) {
  const got = new Map();
  const offsets = new Set();
  let order = true;
  let last = 0;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  /** @type {Promise<void>} */
  const ready = new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'initial_state') resolve();
      if (m.type !== 'notification' || m.action !== 'created') return;
      if (m.offset <= last || offsets.has(m.offset)) order = false;
      offsets.add(m.offset);
      last = m.offset;
      got.set(Number(String(m.data?.title).slice('bus '.length)), nowMs());
    });
  });
  return { port, got, ready, inOrder: () => order, close: () => ws.terminate() };
}

const percentile = (xs, p) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]);

async function run(bus) {
  const db = await freshDatabase();
  const ports = [basePort, basePort + 1, basePort + 2];
  const env = (port) => ({
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: fs.mkdtempSync(path.join(tmp, `data-${port}-`)),
    AUTH_ENABLED: 'false',
    ALLOW_DEV_AUTH: 'true',
    DATABASE_URL: db.url,
    NOTIFICATION_RETENTION_COUNT: '1000000',
    WS_MAX_CONNECTIONS_PER_IP: '0',
    ...(bus === 'redis' ? { REDIS_URL: redis, REDIS_CHANNEL_PREFIX: `bench-${crypto.randomBytes(3).toString('hex')}` } : {}),
  });
  const servers = [];
  for (const port of ports) {
    servers.push(
      await startServer({
        argv: [process.execPath, path.join(root, 'dist', 'main.js')],
        cwd: root,
        port,
        env: env(port),
        logFile: path.join(tmp, `${bus}-${port}.log`),
      }),
    );
  }
  const sockets = ports.flatMap((port) => Array.from({ length: clientsPer }, () => socket(port)));
  const pubs = ports.map((port) => createPublisher({ port, maxSockets: concurrency }));
  try {
    await Promise.all(sockets.map((s) => s.ready));
    const sentAt = new Map();
    const xact0 = await commits(db.url);
    const cpu0 = servers.map((s) => procCpuMicros(s.pid));
    const t0 = nowMs();
    const post = async (i) => {
      sentAt.set(i, nowMs());
      return (
        (await /** @type {NonNullable<(typeof pubs)[number]>} */ (pubs[i % 3]).post('/api/v1/notifications', {
          title: `bus ${i}`,
          message: 'bus bench',
          level: 'info',
          category: 'system',
        })) === 201
      );
    };
    let failed = 0;
    if (rate === undefined) failed = (await inLanes(posts, concurrency, post)).failed;
    else {
      // Open loop at `rate` POSTs per second: latency without the queueing of a saturated run.
      const pending = [];
      for (let i = 0; i < posts; i++) {
        await sleep(t0 + (i * 1000) / rate - nowMs());
        pending.push(post(i).then((ok) => (failed += ok ? 0 : 1)));
      }
      await Promise.all(pending);
    }
    const posted = posts - failed;
    const deadline = nowMs() + 60_000;
    while (sockets.some((s) => s.got.size < posted) && nowMs() < deadline) await sleep(20);
    const done = Math.max(...sockets.map((s) => Math.max(...s.got.values())));
    const cpu = servers.reduce((sum, s, i) => sum + procCpuMicros(s.pid) - /** @type {number} */ (cpu0[i]), 0);
    // Includes the writes themselves and every instance's 2 s catch-up check: compare the buses.
    const xactPerEvent = ((await commits(db.url)) - xact0) / posted;
    // Latency: POST sent → received on a socket of another instance (the event crossed the bus).
    // Bus delay: received there − received on the POST's own instance (first socket), which takes
    // the write and the local fan-out out of it: what the bus adds.
    const remote = (i, s) => ports[i % 3] !== s.port;
    const latencies = sockets.flatMap((s) => [...s.got].filter(([i]) => remote(i, s)).map(([i, at]) => at - sentAt.get(i)));
    const localAt = (i) => Math.min(...sockets.filter((s) => !remote(i, s)).map((s) => s.got.get(i) ?? Infinity));
    const delays = sockets.flatMap((s) => [...s.got].filter(([i]) => remote(i, s)).map(([i, at]) => at - localAt(i)));
    return {
      bus,
      eventsPerS: posted / ((done - t0) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      busP50: percentile(delays, 50),
      busP99: percentile(delays, 99),
      cpuPerEvent: cpu / posted,
      xactPerEvent,
      complete: sockets.every((s) => s.got.size === posted && s.inOrder()),
      failed,
    };
  } finally {
    for (const s of sockets) s.close();
    for (const p of pubs) p.close();
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  }
}

const rows = [];
for (const bus of buses) {
  const row = await run(bus);
  rows.push(row);
  process.stdout.write(
    `${bus}: ${Math.round(row.eventsPerS)} events/s, bus delay p50 ${row.busP50.toFixed(1)} ms p99 ${row.busP99.toFixed(1)} ms, complete ${row.complete}\n`,
  );
}
process.stdout.write(
  `\n3 instances × ${clientsPer} sockets, ${posts} POSTs round robin, ${rate === undefined ? `${concurrency} in flight` : `${rate}/s`}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}\n\n`,
);
process.stdout.write(
  "| bus | events/s to every socket | POST → other instance p50 / p99 | bus delay p50 / p99 | servers' CPU µs per event | database transactions per event | every offset once, in order | failed POSTs |\n| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n",
);
for (const r of rows) {
  process.stdout.write(
    `| ${r.bus} | ${Math.round(r.eventsPerS).toLocaleString('en-US')} | ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} ms | ${r.busP50.toFixed(1)} / ${r.busP99.toFixed(1)} ms | ${Math.round(r.cpuPerEvent)} | ${r.xactPerEvent.toFixed(1)} | ${r.complete ? 'yes' : 'NO'} | ${r.failed} |\n`,
  );
}
fs.rmSync(tmp, { recursive: true, force: true });
