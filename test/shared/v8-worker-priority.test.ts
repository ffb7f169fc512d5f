/**
 * V8_WORKER_NICE: V8's worker threads get the lower priority, libuv's pool keeps the loop's. Each case
 * runs in a fresh Node process (the built module), where the thread layout is Node's own, and tells
 * the threads apart by what they do: a full GC keeps V8's workers busy (parallel marking), async
 * pbkdf2 keeps libuv's pool busy.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AUTO_NICE, resolveV8WorkerNice } from '../../src/shared/v8-worker-priority.js';
import { startServer } from '../helpers/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULE = path.join(ROOT, 'dist/shared/v8-worker-priority.js');

const CHILD = `
import fs from 'node:fs';
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { niceV8Workers, resolveV8WorkerNice } from ${JSON.stringify(MODULE)};
const stat = (tid) => { const s = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' '); };
const cpu = () => new Map(fs.readdirSync('/proc/self/task').map((t) => { const f = stat(t); return [Number(t), Number(f[11]) + Number(f[12])]; }));
const busy = (before, after) => [...after].filter(([tid, ticks]) => tid !== process.pid && ticks - (before.get(tid) ?? 0) >= 2).map(([tid]) => tid);
if (process.env.EXTRA_THREAD) { const w = new Worker('setTimeout(() => {}, 5000)', { eval: true }); await new Promise((r) => w.once('online', r)); w.unref(); }
const result = niceV8Workers({ nice: resolveV8WorkerNice(process.env.NICE === 'auto' ? 'auto' : Number(process.env.NICE)) });
// libuv's pool: four pbkdf2 at once, ~100 ms each.
let before = cpu();
await Promise.all([1, 2, 3, 4].map(() => new Promise((r) => crypto.pbkdf2('x', 's', 300_000, 32, 'sha256', r))));
const poolBusy = busy(before, cpu());
// V8's workers: a full GC of a large heap, marked in parallel.
const keep = Array.from({ length: 3_000_000 }, (_, i) => ({ i, s: String(i) }));
before = cpu();
for (let i = 0; i < 6; i++) globalThis.gc();
const gcBusy = busy(before, cpu());
const nice = Object.fromEntries(fs.readdirSync('/proc/self/task').map((t) => [t, Number(stat(t)[16])]));
console.log(JSON.stringify({ result, poolBusy, gcBusy, nice, main: process.pid, kept: keep.length }));
`;

interface ChildReport {
  result: { threads: number[]; nice?: number; skipped?: string };
  poolBusy: number[];
  gcBusy: number[];
  nice: Record<string, number>;
  main: number;
}

/** The child, on one CPU (`taskset -c <cpu>`) when `cpu` is given. */
async function runChild(env: Record<string, string>, cpu?: number): Promise<ChildReport> {
  const command = [process.execPath, '--expose-gc', '--input-type=module', '-e', CHILD];
  if (cpu !== undefined) command.unshift('taskset', '-c', String(cpu));
  const [file, ...args] = command as [string, ...string[]];
  const { stdout } = await promisify(execFile)(file, args, {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ChildReport;
}

describe.runIf(process.platform === 'linux')('V8 worker priority', () => {
  it('nices the threads that do V8’s parallel GC work and none of libuv’s pool', async () => {
    const report = await runChild({ NICE: '19' });
    const mainNice = report.nice[report.main];
    expect(report.result.skipped).toBeUndefined();
    expect(report.result.threads).toHaveLength(5); // four workers and the delayed-task scheduler
    expect(report.result.nice).toBe(Math.min(19, (mainNice ?? 0) + 19));
    expect(report.poolBusy.length).toBeGreaterThan(0);
    expect(report.gcBusy.length).toBeGreaterThan(0);
    for (const tid of report.poolBusy) expect(report.nice[tid], `pool thread ${tid}`).toBe(mainNice);
    for (const tid of report.gcBusy) expect(report.result.threads, `GC thread ${tid}`).toContain(tid);
    for (const tid of report.result.threads) expect(report.nice[tid]).toBe(report.result.nice);
  }, 90_000);

  it('changes nothing when asked for 0 or when other threads exist than Node’s own', async () => {
    const off = await runChild({ NICE: '0' });
    expect(off.result).toEqual({ threads: [], skipped: 'V8_WORKER_NICE is 0' });
    const withWorker = await runChild({ NICE: '19', EXTRA_THREAD: '1' });
    expect(withWorker.result.threads).toEqual([]);
    expect(withWorker.result.skipped).toMatch(/thread layout not recognised/);
    for (const nice of [off, withWorker].flatMap((r) => Object.values(r.nice))) expect(nice).toBe(off.nice[off.main]);
  }, 90_000);

  it('auto: nices a process that may run on one CPU alone (taskset), and leaves one with more CPUs', async () => {
    expect([resolveV8WorkerNice('auto', 1), resolveV8WorkerNice('auto', 2), resolveV8WorkerNice('auto', 64)]).toEqual([10, 0, 0]);
    expect(AUTO_NICE).toBe(10);
    expect([resolveV8WorkerNice(0, 1), resolveV8WorkerNice(7, 16)]).toEqual([0, 7]);
    const pinned = await runChild({ NICE: 'auto' }, 0);
    expect(pinned.result.skipped).toBeUndefined();
    expect(pinned.result.threads).toHaveLength(5);
    for (const tid of pinned.result.threads) expect(pinned.nice[tid]).toBe(Math.min(19, (pinned.nice[pinned.main] ?? 0) + AUTO_NICE));
    // Unpinned: on a machine with one CPU, auto nices here too (checked above); with more, nothing changes.
    if (os.availableParallelism() > 1) {
      const free = await runChild({ NICE: 'auto' });
      expect(free.result).toEqual({ threads: [], skipped: 'V8_WORKER_NICE is 0' });
      for (const nice of Object.values(free.nice)) expect(nice).toBe(free.nice[free.main]);
    }
  }, 90_000);

  it('is what the server does at start, and says so; V8_WORKER_NICE=0 turns it off', async () => {
    const byDefault =
      os.availableParallelism() > 1
        ? /"cpus":\d+,"msg":"V8 worker threads left at the loop's priority \(V8_WORKER_NICE=auto/
        : /"msg":"V8 worker threads niced to \d+"/;
    for (const [env, line] of [
      [{ V8_WORKER_NICE: '19' }, /"threads":5,"nice":\d+,"msg":"V8 worker threads niced to \d+"/],
      [{}, byDefault],
      [{ V8_WORKER_NICE: '0' }, undefined],
    ] as const) {
      const server = await startServer({ env });
      try {
        const log = server.output.join('');
        if (line === undefined) expect(log).not.toMatch(/V8 worker threads/);
        else expect(log).toMatch(line);
      } finally {
        await server.close();
      }
    }
  }, 60_000);
});
