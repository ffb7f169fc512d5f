/**
 * Lowers the scheduling priority (nice) of V8's worker threads: concurrent marking and sweeping,
 * parallel scavenges, the optimising compilers. On a CPU the event loop shares with them (an instance
 * pinned to one core, a container with one CPU, a worker per core), a worker that starts marking a
 * heap of tens of MB is a runnable thread of equal weight, and the kernel lets it run a whole slice
 * while the loop waits: S8 measured loop stalls and reconnect tails of 16–35 ms that way. Niced, the
 * workers run when the loop is idle and give the CPU back as soon as it wakes; where CPUs are idle
 * anyway, nice changes nothing. Linux only (per-thread nice via /proc/self/task); libuv's thread pool
 * (file reads, DNS, compression) keeps its priority.
 *
 * The price is on a CPU shared with other busy processes: a niced worker that holds a piece of a
 * parallel GC pause waits behind them while the loop waits for it (a priority inversion). Measured
 * with two busy processes on the server's core, 400 REST writes took 1.7× as long in one set of runs,
 * unpinned with six 1.4× (docs/OPERATIONS.md, with a later set that was not repeatable).
 * So `auto`, the default, nices (by 10) only a process that may run on one CPU alone (`taskset`, a cpuset):
 * the deliberate one-core deployment the S3/S8 benches measure. Elsewhere the workers can run on
 * another CPU while one is spare, where nice gains nothing.
 *
 * Which threads are V8's: Node creates them first, before any JavaScript runs (the platform's delayed
 * task scheduler and `--v8-pool-size` workers, default 4), then its signal thread, then, on the first
 * file read of the module loader, libuv's pool (`UV_THREADPOOL_SIZE`, default 4). Ordered by start
 * time and thread id, the first group is V8's. Any other layout (worker threads, an inspector) is not
 * guessed at: nothing is changed and the reason is returned.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface V8WorkerPriorityResult {
  /** Thread ids whose nice value was set. */
  readonly threads: readonly number[];
  /** The nice value they were given. */
  readonly nice?: number;
  /** Why nothing (or, when setpriority failed midway, not every thread) was changed. */
  readonly skipped?: string;
}

export interface V8WorkerPriorityOptions {
  /** How many nice steps below the event loop's thread (1–19, capped at nice 19); 0 leaves every thread as it is. */
  readonly nice: number;
}

const DEFAULT_POOL = 4;
/**
 * `auto`'s nice steps on one CPU. At 19 (a CFS weight of 15 against the loop's 1024) a connect
 * storm on a fresh process cost half as much CPU again per connect: the helpers compiling the hot
 * code and sharing the young-generation collections all but never ran while the loop was busy.
 * At 10 (weight 110) the storm costs what it costs without nice, and the tails nice was for
 * (S8's replay p99) stay where 19 put them (docs/OPERATIONS.md, Running).
 */
export const AUTO_NICE = 10;

/**
 * The nice steps `auto` stands for: AUTO_NICE when this process may run on one CPU only (its affinity),
 * else 0.
 */
export function resolveV8WorkerNice(setting: number | 'auto', cpus = os.availableParallelism()): number {
  if (setting !== 'auto') return setting;
  return cpus <= 1 ? AUTO_NICE : 0;
}

/** Sets the nice value of V8's worker threads in this process; see the module comment. */
export function niceV8Workers(options: V8WorkerPriorityOptions): V8WorkerPriorityResult {
  if (options.nice === 0) return { threads: [], skipped: 'V8_WORKER_NICE is 0' };
  if (process.platform !== 'linux') return { threads: [], skipped: `not on Linux (${process.platform})` };
  const v8Pool = v8PoolSizeFromFlags();
  if (v8Pool === 0) return { threads: [], skipped: '--v8-pool-size=0 (size chosen by Node, layout unknown)' };
  const uvPool = poolSizeFromEnv();
  let others: { tid: number; start: number }[];
  try {
    others = fs
      .readdirSync('/proc/self/task')
      .map(Number)
      .filter((tid) => tid !== process.pid)
      .map((tid) => ({ tid, start: startTime(tid) }))
      .sort((a, b) => a.start - b.start || a.tid - b.tid);
  } catch (err) {
    return { threads: [], skipped: `cannot read /proc/self/task: ${err instanceof Error ? err.message : String(err)}` };
  }
  // V8's platform: the workers and the delayed-task scheduler; then the signal thread; then libuv's pool, if started.
  const v8Threads = v8Pool + 1;
  if (others.length !== v8Threads + 1 && others.length !== v8Threads + 1 + uvPool) {
    return { threads: [], skipped: `thread layout not recognised: ${others.length + 1} threads, expected ${v8Threads + 2} or ${v8Threads + 2 + uvPool}` };
  }
  const threads = others.slice(0, v8Threads).map((t) => t.tid);
  // Relative to the loop's own nice (a process started with `nice -n 10` keeps the same distance).
  const nice = Math.min(19, os.getPriority(process.pid) + options.nice);
  const done: number[] = [];
  try {
    for (const tid of threads) {
      os.setPriority(tid, nice);
      done.push(tid);
    }
  } catch (err) {
    return { threads: done, nice, skipped: `setpriority failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { threads, nice };
}

/** Field 22 of /proc/self/task/<tid>/stat: start time in clock ticks since boot (after the `(comm)` field, which may hold spaces). */
function startTime(tid: number): number {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[19]);
}

/**
 * Node's V8 pool size: `--v8-pool-size` from NODE_OPTIONS or the command line, else 4. Node reads
 * NODE_OPTIONS first and the command line after it, so the last one in that order wins.
 */
function v8PoolSizeFromFlags(): number {
  const flags = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  let size = DEFAULT_POOL;
  for (const flag of flags) {
    const match = /^--v8-pool-size=(\d+)$/.exec(flag);
    if (match) size = Number(match[1]);
  }
  return size;
}

/** As libuv reads it: unset 4, else atoi's value, 0 taken as 1, at most 1024. */
function poolSizeFromEnv(): number {
  const raw = process.env.UV_THREADPOOL_SIZE;
  if (raw === undefined) return DEFAULT_POOL;
  const size = Number.parseInt(raw, 10) || 0;
  return Math.min(Math.max(size, 1), 1024);
}
