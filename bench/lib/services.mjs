/**
 * Private PostgreSQL, Redis and HAProxy for S9 (the rolling deploy), each on loopback with its
 * files in a temporary directory, never a shared instance. The bench's copy of
 * test/services/processes.ts (the bench runs plain .mjs, not TypeScript); each `start*` returns `stop()`.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './proc.mjs';

export function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((/** @type {(v?: unknown) => void} */ resolve) => child.once('exit', () => resolve()));
}

/** Whether the programs S9 needs are installed; a string naming what is missing otherwise. */
export function servicesMissing() {
  const missing = [];
  const has = (cmd) => {
    try {
      execFileSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!has('haproxy')) missing.push('haproxy');
  if (!has('redis-server')) missing.push('redis-server');
  if (!fs.existsSync('/usr/lib/postgresql')) missing.push('postgresql');
  return missing.length ? `not installed: ${missing.join(', ')} (scripts/test.sh installs them)` : null;
}

function pgBin(name) {
  for (const v of fs.readdirSync('/usr/lib/postgresql')) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${name} not found under /usr/lib/postgresql`);
}

/** initdb into a temp dir and start `postgres` on `port`; as root, runs as the `postgres` user. */
export async function startPostgres(port) {
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-bench-pg-'));
  const data = path.join(dir, 'data');
  const run = (cmd, args) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (asRoot) {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, id('-u'), id('-g'));
  }
  run(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400`;
  run(pgBin('pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function startRedis(port) {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: 'ignore',
  });
  await waitFor('redis-server', async () => proc.exitCode === null && (await portOpen(port)));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      proc.kill('SIGTERM');
      await exited(proc);
    },
  };
}

/**
 * HAProxy on `port` in front of `backends` (round robin, no stickiness: every client is
 * websocket-only), health-checking `checkPath` every 300 ms as test/services/processes.ts does,
 * but without killing a server's sessions on one missed check (the load generator shares the machine).
 */
export async function startHaproxy(port, backends, checkPath, logFile) {
  if (await portOpen(port)) throw new Error(`port ${port} is already in use: a process from an earlier run?`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-bench-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    [
      'global',
      // Two file descriptors per proxied connection, under the 20,000 a process may open here.
      '  maxconn 9000',
      'defaults',
      '  mode http',
      '  option http-server-close',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout tunnel 1h',
      '  timeout client-fin 5s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend be',
      'backend be',
      '  balance roundrobin',
      '  retries 3',
      '  option redispatch',
      `  option httpchk GET ${checkPath}`,
      // Tolerant of a busy shared machine: a check may take 2 s, and two failures mark a server
      // down (a draining instance fails every check, and refuses connections once it stops listening).
      '  timeout check 2s',
      '  default-server inter 300ms fall 2 rise 1',
      ...backends.map((p, i) => `  server s${i} 127.0.0.1:${p} check`),
      '',
    ].join('\n'),
  );
  execFileSync('haproxy', ['-c', '-q', '-f', cfg]);
  const proc = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  // Its warnings (a server going DOWN or UP) go to the log beside the servers' logs.
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (logFile) fs.appendFileSync(logFile, d);
  });
  await waitFor('haproxy', async () => {
    if (proc.exitCode !== null) throw new Error(`haproxy exited: ${stderr.trim()}`);
    return portOpen(port);
  }).catch((err) => {
    proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${err.message}${stderr ? `: ${stderr.trim()}` : ''}`);
  });
  return {
    async stop() {
      proc.kill('SIGTERM');
      await exited(proc);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
