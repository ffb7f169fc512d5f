/**
 * CPU placement of the bench: which cores the server under test and the load side (workers,
 * publishers, the orchestrator) are pinned to, and the WORKERS counts of ours' cluster rows.
 * Defaults are the historical ones: server on CPU 0, load on CPU 1, no WORKERS rows.
 */
import os from 'node:os';

/** Expands a taskset list ("0", "0-3", "0,2,4-5") into CPU numbers; throws on nonsense. */
export function parseCpuList(list) {
  const out = new Set();
  for (const part of String(list).split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`bad CPU list "${list}" (want e.g. 0, 0-3 or 0,2,4-5)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`bad CPU range "${part}"`);
    for (let c = a; c <= b; c++) out.add(c);
  }
  const cores = os.cpus().length;
  for (const c of out) if (c >= cores) throw new Error(`CPU ${c} in "${list}" does not exist (this machine has ${cores} cores, 0-${cores - 1})`);
  return [...out].sort((x, y) => x - y);
}

/**
 * `--workers 1,2,all`: the WORKERS values of ours' cluster rows ("all" is the machine's core
 * count). Empty (no rows) when the option is absent.
 */
export function parseWorkers(list) {
  if (list === undefined) return [];
  const cores = os.cpus().length;
  const ns = String(list)
    .split(',')
    .map((x) => (x.trim() === 'all' ? cores : Number(x)));
  for (const n of ns) if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`--workers: 1..256 or "all", got ${list}`);
  return [...new Set(ns)];
}

/** The placement line every table and every WORKERS row carries. */
export function placementLine({ serverCpus, loadCpus, publishers }) {
  return `machine ${os.cpus().length} cores · server on CPU ${serverCpus} (${parseCpuList(serverCpus).length} core(s)) · load and publishers on CPU ${loadCpus} · ${publishers} publisher process(es)`;
}
