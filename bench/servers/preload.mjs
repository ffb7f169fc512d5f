/**
 * Loaded into every server under test with `node --expose-gc --import bench/servers/preload.mjs`.
 * Answers the orchestrator over the IPC channel: {cmd:'mem', gc:true} → forced GC, then
 * process.memoryUsage() and process.cpuUsage(); {cmd:'heapsnapshot', file} writes a V8 heap snapshot;
 * {cmd:'loop', reset} answers the event-loop delay and GC pauses since the last reset. The same hook for ours and every peer, so no
 * server needs a benchmark endpoint. The channel is unref'd: it never keeps a server alive.
 *
 * Not in a cluster worker (ours with WORKERS=N: the workers inherit the --import): their channel
 * is node:cluster's to the primary, and unref'ing it lets a worker exit as soon as it starts. The
 * orchestrator talks to the primary only; S4 sums the whole process tree's CPU from /proc.
 */
import cluster from 'node:cluster';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/**
 * Stalls, for S3's tail: the event loop's delay (a 1 ms timer's lateness, a histogram) and GC
 * pauses (count, total and longest, by kind), since the last {cmd:'loop', reset:true}.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let gc = { count: 0, totalMs: 0, maxMs: 0, major: 0 };
function startStallWatch() {
  loopDelay.enable();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
      // detail.kind 4 is NODE_PERFORMANCE_GC_MAJOR (mark-compact).
      if (/** @type {any} */ (e).detail?.kind === 4) gc.major++;
    }
  }).observe({ entryTypes: ['gc'] });
}
function stalls(reset) {
  const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;
  const out = {
    loop_delay_p50_ms: ms(loopDelay.percentile(50)),
    loop_delay_p99_ms: ms(loopDelay.percentile(99)),
    loop_delay_max_ms: ms(loopDelay.max),
    gc_count: gc.count,
    gc_major: gc.major,
    gc_total_ms: Math.round(gc.totalMs * 10) / 10,
    gc_max_ms: Math.round(gc.maxMs * 10) / 10,
  };
  if (reset) {
    loopDelay.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0, major: 0 };
  }
  return out;
}

/**
 * Where the allocations come from (BENCH_ALLOC_PROFILE_DIR=<dir>): V8's sampling heap profiler,
 * keeping the objects that scavenges and mark-compacts have since collected too (with
 * BENCH_ALLOC_PROFILE_MODE=old, only those that lived past a scavenge or two), from start to
 * exit, written as <dir>/<pid>.heapprofile (open it in Chrome DevTools' Memory tab, or summarise
 * it with `node bench/alloc-summary.mjs`). The in-process inspector session answers
 * synchronously, so the profile is written from the exit handler.
 */
async function profileAllocations(dir) {
  const [{ Session }, fs, path] = await Promise.all([import('node:inspector'), import('node:fs'), import('node:path')]);
  const session = new Session();
  session.connect();
  // BENCH_ALLOC_PROFILE_MODE=old: only what outlived the young generation (what makes mark-compacts).
  const old = process.env.BENCH_ALLOC_PROFILE_MODE === 'old';
  session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !old });
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err === null) fs.writeFileSync(path.join(dir, `${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('exit', write);
  process.prependListener('SIGTERM', write);
}

if (process.env.BENCH_ALLOC_PROFILE_DIR && !cluster.isWorker) void profileAllocations(process.env.BENCH_ALLOC_PROFILE_DIR);

/**
 * A CPU profile of a scenario's measured window only (BENCH_WINDOW_PROFILE_DIR; --cpu-prof covers
 * the whole process, set-up and teardown included): {cmd:'cpuprofile', start:true} starts V8's
 * sampling profiler, {cmd:'cpuprofile', file} stops it and writes the .cpuprofile there.
 */
let profiler;
async function windowProfile(m) {
  if (profiler === undefined) {
    const { Session } = await import('node:inspector');
    profiler = new Session();
    profiler.connect();
    profiler.post('Profiler.enable');
    profiler.post('Profiler.setSamplingInterval', { interval: 250 });
  }
  if (m.start) return new Promise((resolve) => profiler.post('Profiler.start', () => resolve({})));
  const fs = await import('node:fs');
  return new Promise((resolve) =>
    profiler.post('Profiler.stop', (err, result) => {
      if (err === null) fs.writeFileSync(m.file, JSON.stringify(result.profile));
      resolve({ file: err === null ? m.file : undefined, error: err === null ? undefined : String(err) });
    }),
  );
}

if (typeof process.send === 'function' && !cluster.isWorker) {
  startStallWatch();
  process.on('message', (/** @type {any} */ m) => {
    if (m !== null && typeof m === 'object' && m.cmd === 'cpuprofile') {
      windowProfile(m).then((r) => process.send?.({ id: m.id, ...r }));
      return;
    }
    if (m !== null && typeof m === 'object' && m.cmd === 'loop') {
      process.send?.({ id: m.id, ...stalls(m.reset === true) });
      return;
    }
    if (m !== null && typeof m === 'object' && m.cmd === 'heapsnapshot') {
      import('node:v8').then((v8) => process.send?.({ id: m.id, file: v8.writeHeapSnapshot(m.file) }));
      return;
    }
    if (m === null || typeof m !== 'object' || m.cmd !== 'mem') return;
    if (m.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const mem = process.memoryUsage();
    process.send?.({
      id: m.id,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      cpu: process.cpuUsage(),
    });
  });
  process.channel?.unref();
}
