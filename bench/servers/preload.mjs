/**
 * Loaded into every server under test with `node --expose-gc --import bench/servers/preload.mjs`.
 * Answers the orchestrator over the IPC channel: {cmd:'mem', gc:true} → forced GC, then
 * process.memoryUsage() and process.cpuUsage(); {cmd:'heapsnapshot', file} writes a V8 heap snapshot. The same hook for ours and every peer, so no
 * server needs a benchmark endpoint. The channel is unref'd: it never keeps a server alive.
 *
 * Not in a cluster worker (ours with WORKERS=N: the workers inherit the --import): their channel
 * is node:cluster's to the primary, and unref'ing it lets a worker exit as soon as it starts. The
 * orchestrator talks to the primary only; S4 sums the whole process tree's CPU from /proc.
 */
import cluster from 'node:cluster';

if (typeof process.send === 'function' && !cluster.isWorker) {
  process.on('message', (/** @type {any} */ m) => {
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
