import crypto from 'node:crypto';
/** Process plumbing for the orchestrator: servers under test, load workers, /proc CPU, HTTP publish. */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export const nowMs = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  /* 100 is the Linux default */
}

export function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasNice = (() => {
  try {
    execFileSync('nice', ['true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins this process (the orchestrator, which is also the publisher) to `cpu` (a taskset list). */
export function pinSelf(cpu) {
  try {
    execFileSync('taskset', ['-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user+system) of a process in µs, from /proc/<pid>/stat (fields 14 and 15). */
export function procCpuMicros(pid) {
  const { user, sys } = procCpuSplit(pid);
  return user + sys;
}

/** A process's CPU µs so far, in user mode and in the kernel (utime and stime of /proc/<pid>/stat). */
export function procCpuSplit(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1e6) / clockTicks, sys: (Number(fields[12]) * 1e6) / clockTicks };
}

/** The pids of a process and all its descendants, from /proc/<pid>/task/<tid>/children. */
export function procTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    /** @type {string[]} */
    let tids;
    try {
      tids = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const kids = fs.readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      } catch {
        /* the thread ended */
      }
    }
  }
  return out;
}

/** CPU time in µs of a process and its live descendants (WORKERS=N: the primary and its workers). */
export function procTreeCpuMicros(pid) {
  const { user, sys } = procTreeCpuSplit(pid);
  return user + sys;
}

/** procCpuSplit summed over a process and its live descendants. */
export function procTreeCpuSplit(pid) {
  const sum = { user: 0, sys: 0 };
  for (const p of procTree(pid)) {
    try {
      const { user, sys } = procCpuSplit(p);
      sum.user += user;
      sum.sys += sys;
    } catch {
      /* exited between the listing and the read */
    }
  }
  return sum;
}

/**
 * Scheduler counters of a process's main thread from /proc/<pid>/schedstat, in µs:
 * time on a CPU, and time runnable but waiting for one (the contention other processes cause).
 */
export function procSched(pid) {
  try {
    const [run, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runUs: (run ?? NaN) / 1000, waitUs: (wait ?? NaN) / 1000 };
  } catch {
    return { runUs: NaN, waitUs: NaN };
  }
}

/** Samples the scheduler counters of several pids; `end()` gives busy and wait shares of wall time. */
export function schedWindow(pids) {
  const t0 = nowMs();
  const s0 = pids.map(procSched);
  return () => {
    const wallUs = (nowMs() - t0) * 1000;
    return pids.map((pid, i) => {
      const s1 = procSched(pid);
      return { busy: (s1.runUs - s0[i].runUs) / wallUs, wait: (s1.waitUs - s0[i].waitUs) / wallUs };
    });
  };
}

/** RSS of a process in bytes, from /proc/<pid>/statm. */
export function procRss(pid) {
  const pages = Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return pages * 4096;
}

/** An IPC peer with request/reply by id. */
function rpcChannel(child) {
  let next = 1;
  const waiting = new Map();
  child.on('message', (m) => {
    const w = waiting.get(m?.id);
    if (w) {
      waiting.delete(m.id);
      w.resolve(m);
    }
  });
  child.on('exit', () => {
    for (const w of waiting.values()) w.reject(new Error('process exited'));
    waiting.clear();
  });
  return (msg, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no reply to ${msg.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...msg, id });
    });
}

function pinned(cpu, argv, useTaskset) {
  return useTaskset ? ['taskset', ['-c', String(cpu), ...argv]] : [argv[0], argv.slice(1)];
}

/**
 * Ours' per-user and per-IP bounds lifted for the bench's own load: one API-token principal opens
 * every connection from one address.
 */
export const OURS_BENCH_LIMITS = {
  // The peers have no connect-rate limit; measure ours without its storm protection too.
  WS_MAX_CONNECT_RATE: '0',
  // The per-user and per-IP caps (20 and 100 by default with auth) would refuse the bench's own load.
  WS_MAX_CONNECTIONS_PER_USER: '0',
  WS_MAX_CONNECTIONS_PER_IP: '0',
  // Likewise the user's snapshot/replay budget, which all those connections would share.
  WS_COST_BUDGET_PER_USER: '0',
};

/** Ours' environment in the cost tools: auth on with a static API token, its own data directory, nothing pruned. */
export function oursEnv({ port, dataDir, token }) {
  return {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    AUTH_ENABLED: 'true',
    API_TOKEN: token,
    SESSION_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    NOTIFICATION_RETENTION_COUNT: '1000000',
  };
}

/**
 * Starts a server under test pinned to `cpus` (a taskset list, default CPU 0; unless `pin` is
 * false), with the GC/memory preload and an IPC channel. Resolves when GET /healthz answers 200.
 * @param {{ argv: string[], env: Record<string, any>, port: number, logFile: string, useTaskset?: boolean, cwd?: string, pin?: boolean, cpus?: string }} options
 */
export async function startServer({ argv, env, port, logFile, useTaskset, cwd, pin = true, cpus = '0' }) {
  // Another process on the port (another bench run, a server left over) would answer /healthz
  // for ours and take the load: refuse rather than measure it.
  if ((await httpGetStatus(port, '/healthz').catch(() => 0)) !== 0) throw new Error(`port ${port} is already in use; pick another with --port`);
  const log = fs.openSync(logFile, 'a');
  const [cmd, args] = pinned(cpus, argv, useTaskset && pin);
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', log, log, 'ipc'] });
  fs.closeSync(log);
  const rpc = rpcChannel(child);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`server exited during start (${JSON.stringify(exited)}); see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /healthz within 30 s; see ${logFile}`);
    }
    const status = await httpGetStatus(port, '/healthz').catch(() => 0);
    if (status === 200) break;
    await sleep(50);
  }
  return {
    pid: child.pid,
    /** Forced GC then memory and cpuUsage, from inside the server. */
    mem: async (gc = true) => rpc({ cmd: 'mem', gc }, 30_000),
    rpc,
    cpuSplit: () => procCpuSplit(child.pid),
    rss: () => procRss(child.pid),
    get exited() {
      return exited;
    },
    async stop(timeoutMs = 15_000) {
      if (exited) return exited;
      child.kill('SIGTERM');
      const t0 = Date.now();
      while (!exited && Date.now() - t0 < timeoutMs) await sleep(25);
      if (!exited) {
        child.kill('SIGKILL');
        while (!exited) await sleep(25);
      }
      return exited;
    },
  };
}

/**
 * Starts `count` load workers pinned to `cpus` (a taskset list, default CPU 1), at nice 10: the publisher (the orchestrator, also
 * on CPU 1) must not be starved by receivers, or a slow client would throttle the offered load.
 * `nice: false` where the clients' own timing is the figure (S8, S9: a niced client on a busy
 * machine waits seconds for its reconnect timer and its handshake reply).
 */
export function startWorkers(count, workerFile, useTaskset, { nice = true, cpus = '1' } = {}) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    const [cmd0, args0] = pinned(cpus, [process.execPath, workerFile], useTaskset);
    const [cmd, args] = hasNice && nice ? ['nice', ['-n', '10', cmd0, ...args0]] : [cmd0, args0];
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    workers.push({ child, rpc: rpcChannel(child) });
  }
  return {
    workers,
    pids: workers.map((w) => w.child.pid),
    /** Sends `msg(i)` to every worker; resolves with the replies. */
    all: (msg, timeoutMs) => Promise.all(workers.map((w, i) => w.rpc(typeof msg === 'function' ? msg(i) : msg, timeoutMs))),
    async stop() {
      await Promise.all(workers.map((w) => w.rpc({ cmd: 'exit' }, 5_000).catch(() => undefined)));
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    },
  };
}

function httpGetStatus(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** The publisher: JSON requests (POST by default) over a keep-alive agent; resolves with the status (0 on error). */
export function createPublisher({ port, headers = {}, maxSockets = 32 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const request = (method, path, bodyObj) =>
    new Promise((resolve) => {
      const body = JSON.stringify(bodyObj);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
          res.on('error', () => resolve(0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  return { request, post: (path, bodyObj) => request('POST', path, bodyObj), close: () => agent.destroy() };
}

/**
 * Runs `task(i)` for i = 0 … total-1 with at most `concurrency` in flight (closed loop), in order of
 * i; resolves with how many resolved true (a 2xx, say) and how many did not.
 */
export async function inLanes(total, concurrency, task) {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const lane = async () => {
    while (next < total) {
      if (await task(next++)) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { ok, failed };
}

/** Whether an HTTP status (0 on a network error) is a success. */
export const is2xx = (status) => status >= 200 && status < 300;
