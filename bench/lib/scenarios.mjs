/**
 * Scenarios S1–S7. Each takes a context (server definition, parameters, process helpers) and
 * returns one run's flat metrics {name: number|string}. Every wait is bounded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { latencySummary } from './stats.mjs';
import { nowMs, schedWindow, sleep, procTreeCpuMicros, procTreeCpuSplit } from './proc.mjs';
import { body, publishAtRate, publishBurst, publisherGroup } from './publishing.mjs';

const PER_WORKER = 9_000; // well under the 20,000 open files one process may hold

function workersFor(n) {
  return Math.max(1, Math.ceil(n / PER_WORKER));
}

/** Connects `n` connections spread over the pool's workers. Resolves with merged results. */
async function connectAll(ctx, pool, n, extra = {}) {
  const k = pool.workers.length;
  const counts = pool.workers.map((_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
  const starts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0) + (extra.indexBase ?? 0));
  const concurrency = extra.concurrency ?? ctx.params.connectConcurrency;
  const replies = await pool.all(
    (i) => ({
      cmd: 'connect',
      host: '127.0.0.1',
      port: ctx.port,
      protocol: ctx.def.protocol,
      prefix: ctx.def.prefix,
      headers: ctx.auth.ws,
      count: counts[i],
      startIndex: starts[i],
      concurrency: Math.max(1, Math.ceil(concurrency / k)),
      sampleEvery: extra.sampleEvery ?? ctx.params.sampleEvery,
      topics: extra.topics ?? 0,
      topicPrefix: extra.topicPrefix,
      resume: extra.resume ?? false,
      untilEvents: extra.untilEvents ?? 0,
      pauseWhenReady: extra.pauseWhenReady ?? false,
      timeoutMs: extra.timeoutMs ?? 120_000,
    }),
    (extra.timeoutMs ?? 120_000) + 10_000,
  );
  return {
    ready: replies.reduce((a, r) => a + r.ready, 0),
    failed: replies.reduce((a, r) => a + r.failed, 0),
    caughtUp: replies.reduce((a, r) => a + (r.caughtUp ?? 0), 0),
    elapsedMs: Math.max(...replies.map((r) => r.elapsedMs)),
    doneMs: Math.max(...replies.map((r) => r.doneMs)),
    timedOut: replies.some((r) => r.timedOut),
    firstError: replies.find((r) => r.firstError)?.firstError ?? null,
  };
}

async function gather(pool, clear = true) {
  const replies = await pool.all({ cmd: 'stats', clear });
  const closeCodes = {};
  for (const r of replies) for (const [c, n] of Object.entries(r.closeCodes)) closeCodes[c] = (closeCodes[c] ?? 0) + n;
  return {
    events: replies.reduce((a, r) => a + r.events, 0),
    healthy: replies.reduce((a, r) => a + r.healthy, 0),
    open: replies.reduce((a, r) => a + r.open, 0),
    slowOpen: replies.reduce((a, r) => a + r.slowOpen, 0),
    minEvents: Math.min(...replies.map((r) => (r.healthy ? r.minEvents : Infinity))),
    latencies: replies.flatMap((r) => r.latencies),
    closeCodes,
  };
}

async function waitDelivered(pool, perConn, timeoutMs) {
  const replies = await pool.all({ cmd: 'waitEvents', perConn, timeoutMs }, timeoutMs + 10_000);
  return { done: replies.every((r) => r.done), at: Math.max(...replies.map((r) => r.at)), behind: replies.reduce((a, r) => a + r.behind, 0) };
}

const kb = (bytes) => bytes / 1024;
const round = (x, d = 2) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

/** S1: RSS and heap per idle connection after forced GC, at increasing counts in one process. */
export async function s1(ctx) {
  const out = {};
  const counts = ctx.params.s1Counts;
  const max = counts[counts.length - 1];
  const server = await ctx.startServer();
  const pool = ctx.startWorkers(workersFor(max));
  try {
    await sleep(500);
    const base = await server.mem(true);
    let have = 0;
    let prev = null;
    for (const n of counts) {
      const c = await connectAll(ctx, pool, n - have, { indexBase: have, sampleEvery: 0 });
      have += c.ready;
      if (c.ready < n - (have - c.ready)) out[`note_${n}`] = `only ${have}/${n} connected (${c.firstError})`;
      await sleep(ctx.params.settleMs);
      const m = await server.mem(true);
      out[`rss_kb_per_conn_${n}`] = round(kb(m.rss - base.rss) / have);
      out[`heap_kb_per_conn_${n}`] = round(kb(m.heapUsed - base.heapUsed) / have);
      out[`rss_mb_${n}`] = round(m.rss / 1048576, 1);
      if (prev !== null && have > prev.have) {
        out[`rss_kb_per_conn_marginal_${prev.n}_${n}`] = round(kb(m.rss - prev.rss) / (have - prev.have));
        out[`heap_kb_per_conn_marginal_${prev.n}_${n}`] = round(kb(m.heapUsed - prev.heapUsed) / (have - prev.have));
      }
      prev = { n, have, rss: m.rss, heapUsed: m.heapUsed };
    }
    out.rss_mb_base = round(base.rss / 1048576, 1);
    return out;
  } finally {
    await pool.stop();
    await server.stop();
  }
}

/** S2: connect storm: connections per second until each has its initial state. */
export async function s2(ctx) {
  const n = ctx.params.s2Count;
  const server = await ctx.startServer();
  const pool = ctx.startWorkers(workersFor(n));
  try {
    // With `s2Warm`, a first storm of that many connects, closed again, before the measured one:
    // the connect path compiled, as S3–S5 warm up their paths. Off by default: a storm after a
    // restart meets a fresh process, which is what S2 measures.
    const warm = ctx.params.s2Warm;
    if (warm > 0) {
      await connectAll(ctx, pool, warm, { concurrency: ctx.params.stormConcurrency, sampleEvery: 0 });
      await pool.all({ cmd: 'closeAll' });
      await sleep(1000);
    }
    // Server CPU per connect (from /proc, like S4's per delivery): holds when other processes take the core.
    const cpu0 = procTreeCpuMicros(server.pid);
    const c = await connectAll(ctx, pool, n, { concurrency: ctx.params.stormConcurrency, sampleEvery: 0 });
    const cpu = procTreeCpuMicros(server.pid) - cpu0;
    return {
      conns: c.ready,
      failed: c.failed,
      conn_per_s: round((c.ready / c.elapsedMs) * 1000, 0),
      storm_ms: round(c.elapsedMs, 0),
      cpu_us_per_conn: round(cpu / Math.max(1, c.ready), 0),
      ...(warm > 0 ? { warmed_by: warm } : {}),
    };
  } finally {
    await pool.stop();
    await server.stop();
  }
}

const share = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

/** Busy and runnable-but-waiting shares of the server and the busiest load worker. */
function schedSummary(end) {
  const [server, ...workers] = end();
  const worst = workers.reduce((a, w) => (w.busy + w.wait > a.busy + a.wait ? w : a), { busy: 0, wait: 0 });
  return { server_busy: share(server.busy), server_cpu_wait: share(server.wait), client_busy: share(worst.busy), client_cpu_wait: share(worst.wait) };
}

/** S3: fan-out latency at a fixed offered rate: p50/p99/max from the publisher's clock, and loss. */
export async function s3(ctx, { subs, rate, seconds }) {
  const server = await ctx.startServer();
  const pool = ctx.startWorkers(workersFor(subs));
  const pubs = publisherGroup(ctx);
  try {
    const c = await connectAll(ctx, pool, subs);
    await sleep(300);
    // Warm-up: the same stream for `s3WarmSeconds` first, so the JIT has compiled the publish and
    // send paths before the measured window (S4 warms up too). Without it the first few hundred
    // milliseconds of a fresh process (every function compiled on first use, its backlog after)
    // were most of a short run's p99. Its worst latency is reported on its own row.
    await pool.all({ cmd: 'reset' });
    const warm = await pubs.atRate(rate, ctx.params.s3WarmSeconds);
    await waitDelivered(pool, warm.ok, ctx.params.drainMs);
    const cold = latencySummary((await gather(pool)).latencies);
    await pool.all({ cmd: 'reset' });
    const sched = schedWindow([server.pid, ...pool.pids]);
    await server.rpc({ cmd: 'loop', reset: true }, 5_000).catch(() => undefined);
    const p = await pubs.atRate(rate, seconds);
    const w = await waitDelivered(pool, p.ok, ctx.params.drainMs);
    // The server's stalls over the run (bench/servers/preload.mjs): event-loop delay and GC pauses.
    const loop = await server.rpc({ cmd: 'loop', reset: false }, 5_000).catch(() => ({}));
    const sch = schedSummary(sched);
    const s = await gather(pool);
    const expected = p.ok * s.healthy;
    const lat = latencySummary(s.latencies);
    return {
      subs: c.ready,
      published: p.ok,
      publish_failed: p.failed,
      p50_ms: round(lat.p50),
      p90_ms: round(lat.p90),
      p99_ms: round(lat.p99),
      p999_ms: round(lat.p999),
      max_ms: round(lat.max),
      warmup_max_ms: round(cold.max),
      samples: lat.samples,
      loss: expected - s.events,
      all_delivered: w.done ? 'yes' : `no (${w.behind} behind)`,
      closed: s.healthy < c.ready ? c.ready - s.healthy : 0,
      ...sch,
      ...Object.fromEntries(Object.entries(loop).filter(([k]) => k !== 'id')),
      ...ctx.placement,
    };
  } finally {
    await pubs.close();
    await pool.stop();
    await server.stop();
  }
}

/** S4: burst throughput: deliveries/s and server CPU µs per delivery from /proc/<pid>/stat. */
export async function s4(ctx, { subs, events }) {
  const server = await ctx.startServer();
  const pool = ctx.startWorkers(workersFor(subs));
  const pubs = publisherGroup(ctx);
  try {
    const c = await connectAll(ctx, pool, subs);
    await sleep(300);
    // Warm-up: the measured burst once over, at its concurrency (every worker's path, with
    // WORKERS=N), so that the window does not begin with a fresh process still compiling its publish
    // and send paths. Until 2026-11-30 it was 20 events at 4 in flight: ours was still tiering up
    // (464 optimized compilations in a 300-event run, 752 in a 3,000-event one) and S4 at 1k read
    // 1.10 M deliveries/s where the same build, warm, reads 1.40 M (uWS 2.28 and 2.38 M).
    const warm = events;
    await pubs.burst(warm, ctx.params.burstConcurrency);
    await waitDelivered(pool, warm, ctx.params.drainMs);
    await pool.all({ cmd: 'reset' });
    // The whole process tree: with WORKERS=N the deliveries happen in the primary's children.
    const cpu0 = procTreeCpuSplit(server.pid);
    const sched = schedWindow([server.pid, ...pool.pids]);
    const t0 = nowMs();
    const p = await pubs.burst(events, ctx.params.burstConcurrency);
    const tPublished = nowMs();
    const w = await waitDelivered(pool, p.ok, ctx.params.drainMs);
    const cpu1 = procTreeCpuSplit(server.pid);
    const sch = schedSummary(sched);
    const s = await gather(pool);
    const seconds = (w.at - t0) / 1000;
    const lat = latencySummary(s.latencies);
    const user = cpu1.user - cpu0.user;
    const sys = cpu1.sys - cpu0.sys;
    const perDelivery = (us) => round(us / Math.max(1, s.events), 3);
    return {
      subs: c.ready,
      published: p.ok,
      publish_failed: p.failed,
      deliveries: s.events,
      deliveries_per_s: round(s.events / seconds, 0),
      cpu_us_per_delivery: perDelivery(user + sys),
      // As S5's: the kernel's share (the socket writes) against the process's own code.
      cpu_user_us_per_delivery: perDelivery(user),
      cpu_sys_us_per_delivery: perDelivery(sys),
      server_cpu_share: round((user + sys) / 1e6 / seconds, 2),
      publish_per_s: round(p.ok / ((tPublished - t0) / 1000), 0),
      burst_p99_ms: round(lat.p99),
      loss: p.ok * s.healthy - s.events,
      all_delivered: w.done ? 'yes' : `no (${w.behind} behind)`,
      ...sch,
      ...ctx.placement,
    };
  } finally {
    await pubs.close();
    await pool.stop();
    await server.stop();
  }
}

/**
 * How a server publishes to S5's topics. The peers: `POST /api/v1/notifications?topic=jobs:<i>`
 * (a notification-shaped message to an arbitrary topic). A server may bring its own (`def.s5`):
 * topic names, setup before the clients connect, and the request that makes one event on topic i.
 */
const PEER_S5 = {
  topicPrefix: 'jobs:',
  setup: async () => undefined,
  method: 'POST',
  path: (i, topics) => `/api/v1/notifications?topic=${encodeURIComponent(`jobs:${i % topics}`)}`,
  body: (i) => body(i),
  note: undefined,
};

/**
 * With BENCH_WINDOW_PROFILE_DIR set, a CPU profile of the server over the measured window only
 * (bench/servers/preload.mjs): `start`, then the file's name to stop and write
 * <dir>/<name>-<pid>.cpuprofile. Resolves true when profiling.
 */
async function windowProfile(server, what) {
  const dir = process.env.BENCH_WINDOW_PROFILE_DIR;
  if (!dir) return false;
  if (what === 'start') await server.rpc({ cmd: 'cpuprofile', start: true }, 10_000);
  else {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.resolve(dir, `${what}-${server.pid}.cpuprofile`);
    await server.rpc({ cmd: 'cpuprofile', file }, 60_000);
    console.log(`window profile: ${file}`);
  }
  return true;
}

/** S5: many topics: T topics × K subscribers; events round-robin over the topics. */
export async function s5(ctx) {
  const plan = ctx.def.s5 ?? (ctx.def.topicPublish ? PEER_S5 : undefined);
  if (plan === undefined) return { note: ctx.def.topicPublishNote ?? 'n/a: no publish path for entity topics' };
  const { s5Topics: topics, s5PerTopic: per, s5Events: events } = ctx.params;
  const subs = topics * per;
  const server = await ctx.startServer();
  const pool = ctx.startWorkers(workersFor(subs));
  const pub = ctx.publisher();
  try {
    await plan.setup(pub, topics, ctx.params.burstConcurrency);
    const c = await connectAll(ctx, pool, subs, { topics, topicPrefix: plan.topicPrefix, sampleEvery: ctx.params.sampleEvery });
    await sleep(300);
    const how = { makeBody: (i) => plan.body(i, topics), pathFor: (i) => plan.path(i, topics), method: plan.method };
    // Warm-up, as S3 and S4 have: `s5WarmRounds` rounds over the topics (ten by default), so the
    // measured window does not begin with a fresh process compiling its publish and send paths:
    // after two, V8's compiler and GC threads still took 30% of ours' core early in the window.
    const warm = ctx.params.s5WarmRounds * topics;
    const wp = await publishBurst(pub, warm, ctx.params.burstConcurrency, how);
    await waitDelivered(pool, Math.floor(wp.ok / topics), ctx.params.drainMs);
    await pool.all({ cmd: 'reset' });
    const profiling = await windowProfile(server, 'start');
    const cpu0 = server.cpuSplit();
    const t0 = nowMs();
    // Events warm … warm + events - 1: ours' reports go on changing the host (plan.body).
    // With `s5Rate`, paced (open loop) at that many events per second instead of a burst: every
    // server then does the same work per second, so their CPU per delivery compares at equal load.
    const rate = ctx.params.s5Rate;
    const p =
      rate === undefined
        ? await publishBurst(pub, warm + events, ctx.params.burstConcurrency, { ...how, index: warm })
        : await publishAtRate(pub, rate, events / rate, { ...how, first: warm });
    const w = await waitDelivered(pool, Math.floor(p.ok / topics), ctx.params.drainMs);
    const cpu1 = server.cpuSplit();
    if (profiling) await windowProfile(server, `S5-${ctx.def.name}`);
    const s = await gather(pool);
    const lat = latencySummary(s.latencies);
    const seconds = (w.at - t0) / 1000;
    const perDelivery = (us) => round(us / Math.max(1, s.events), 3);
    return {
      subs: c.ready,
      topics,
      published: p.ok,
      deliveries: s.events,
      deliveries_per_s: round(s.events / seconds, 0),
      publish_per_s: round(p.ok / seconds, 0),
      cpu_us_per_delivery: perDelivery(cpu1.user + cpu1.sys - cpu0.user - cpu0.sys),
      // The kernel's share (socket writes, the database's file writes) against the process's own.
      cpu_user_us_per_delivery: perDelivery(cpu1.user - cpu0.user),
      cpu_sys_us_per_delivery: perDelivery(cpu1.sys - cpu0.sys),
      p50_ms: round(lat.p50),
      p99_ms: round(lat.p99),
      loss: p.ok * per - s.events,
      publish_failed: p.failed,
      ...(rate === undefined ? {} : { paced_per_s: rate }),
      ...(plan.note === undefined ? {} : { note: plan.note }),
    };
  } finally {
    pub.close();
    await pool.stop();
    await server.stop();
  }
}

/**
 * S6: slow consumers. `subs` clients read everything; the same load runs twice, first alone
 * (baseline), then with 1% more clients that connect, get their initial state and never read
 * again. They connect fresh so the kernel has not grown their receive buffers (loopback autotuning
 * would otherwise absorb tens of MB per socket and the server would never see backpressure).
 * Events carry ~15 KB of metadata. Reported: healthy p99 in both phases, server RSS growth, and
 * how many slow clients the server closed.
 */
export async function s6(ctx) {
  const { s6Subs: subs, s6Rate: rate, s6Seconds: seconds, s6PadBytes: bytes } = ctx.params;
  const filler = 'x'.repeat(bytes);
  const server = await ctx.startServer();
  const pool = ctx.startWorkers(workersFor(subs));
  const pub = ctx.publisher();
  try {
    const c = await connectAll(ctx, pool, subs);
    await sleep(300);
    await pool.all({ cmd: 'reset' });
    const before = await publishAtRate(pub, rate, seconds, { makeBody: (i) => body(i, filler) });
    await waitDelivered(pool, before.ok, ctx.params.drainMs);
    const sBefore = await gather(pool);
    const latBefore = latencySummary(sBefore.latencies);
    const rss0 = (await server.mem(true)).rss;
    const slowCount = Math.max(1, Math.round(subs / 100));
    const slow = await connectAll(ctx, pool, slowCount, { indexBase: subs, sampleEvery: 0, pauseWhenReady: true });
    await pool.all({ cmd: 'reset' });
    let rssMax = rss0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        rssMax = Math.max(rssMax, server.rss());
        await sleep(250);
      }
    })();
    const during = await publishAtRate(pub, rate, seconds, { makeBody: (i) => body(i + 100_000, filler) });
    await waitDelivered(pool, during.ok, ctx.params.drainMs);
    sampling = false;
    await sampler;
    const rssEnd = (await server.mem(true)).rss;
    const sAfter = await gather(pool, false);
    const latAfter = latencySummary(sAfter.latencies);
    await pool.all({ cmd: 'resumeSlow' });
    await sleep(3000);
    const sClosed = await gather(pool);
    return {
      subs: c.ready,
      slow: slow.ready,
      pad_bytes: bytes,
      publish_failed: before.failed + during.failed,
      healthy_p99_before_ms: round(latBefore.p99),
      healthy_p99_during_ms: round(latAfter.p99),
      healthy_max_during_ms: round(latAfter.max),
      healthy_loss: during.ok * sAfter.healthy - sAfter.events,
      rss_growth_mb: round((rssMax - rss0) / 1048576, 1),
      rss_after_gc_growth_mb: round((rssEnd - rss0) / 1048576, 1),
      slow_closed_by_server: slow.ready - sClosed.slowOpen,
      slow_close_codes:
        Object.entries(sClosed.closeCodes)
          .map(([code, n]) => `${code}×${n}`)
          .join(' ') || 'none',
    };
  } finally {
    pub.close();
    await pool.stop();
    await server.stop();
  }
}

/**
 * S7: resume storm. N clients connected; the server restarts; K events are published while they
 * are away; then every client reconnects at once. Ours resumes from its last offset (caught up =
 * got all K missed events); peers have no resume, so for them "live" is reconnected, K are lost.
 */
export async function s7(ctx) {
  const { s7Subs: subs, s7Missed: missed } = ctx.params;
  let server = await ctx.startServer({ keepData: true });
  const pool = ctx.startWorkers(workersFor(subs));
  let pub = ctx.publisher();
  try {
    await connectAll(ctx, pool, subs);
    await publishBurst(pub, 10, 2);
    await waitDelivered(pool, 10, ctx.params.drainMs);
    pub.close();
    const tStop = nowMs();
    await server.stop();
    const stopMs = nowMs() - tStop;
    await pool.all({ cmd: 'closeAll' });
    const tStart = nowMs();
    server = await ctx.startServer({ keepData: true, reuse: true });
    const startMs = nowMs() - tStart;
    pub = ctx.publisher();
    const p = await publishBurst(pub, missed, 2, { makeBody: (i) => body(i + 1000) });
    const resume = ctx.def.resume === true;
    const c = await connectAll(ctx, pool, subs, { concurrency: subs, resume, untilEvents: resume ? p.ok : 0, timeoutMs: ctx.params.drainMs + 30_000 });
    return {
      subs,
      live: c.ready,
      failed: c.failed,
      caught_up: resume ? c.caughtUp : 'n/a (no resume)',
      missed_events: p.ok,
      all_live_ms: round(c.elapsedMs, 0),
      all_caught_up_ms: resume ? round(c.doneMs, 0) : null,
      restart_ms: round(startMs, 0),
      stop_ms: round(stopMs, 0),
    };
  } finally {
    pub.close();
    await pool.stop();
    await server.stop();
  }
}
