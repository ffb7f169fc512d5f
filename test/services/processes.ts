/**
 * Private PostgreSQL, Redis and HAProxy for the tests: each on a free loopback port with its files
 * in a temporary directory, never the machine's shared instances. Each `start*` returns `stop()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function pgBin(name: string): string {
  for (const dir of ['/usr/lib/postgresql/15/bin', ...fs.readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`)]) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(`${name} not found under /usr/lib/postgresql (apt-get install postgresql)`);
}

export interface PrivatePostgres {
  /** Superuser URL of the `postgres` database. */
  readonly adminUrl: string;
  readonly port: number;
  /** `postgres://…/<name>` for a database of that name on this server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** initdb into a temp dir and start `postgres` on a free port. As root, runs as the `postgres` user. */
export async function startPostgres(): Promise<PrivatePostgres> {
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-pg-'));
  const data = path.join(dir, 'data');
  const run = (cmd: string, args: string[]): string =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  run(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=32MB`;
  run(pgBin('pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  return {
    adminUrl: `${base}/postgres`,
    port,
    urlFor: (database) => `${base}/${database}`,
    async stop() {
      try {
        run(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL when `hard`). */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    child = proc;
    await waitFor('redis-server', async () => proc.exitCode === null && (await portOpen(port)));
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop(hard = false) {
      const proc = child;
      child = undefined;
      if (proc === undefined) return;
      proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited(proc);
    },
  };
}

export interface PrivateHaproxy {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  readonly port?: number;
  readonly clientServerTimeout?: string;
  /** Failed checks (300 ms apart) before a backend is marked down and its sessions cut; 1 by default. */
  readonly fall?: number;
}

/**
 * HAProxy in front of `backends` (round robin, no stickiness), health-checking `/readyz`; the
 * WebSocket timeouts are longer than the server's ping interval, as docs/OPERATIONS.md says.
 */
export async function startHaproxy(backends: readonly number[], options: HaproxyOptions = {}): Promise<PrivateHaproxy> {
  const idle = options.clientServerTimeout ?? '60s';
  const port = options.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  option http-server-close',
      '  timeout connect 2s',
      `  timeout client ${idle}`,
      `  timeout server ${idle}`,
      '  timeout tunnel 1h',
      '  timeout client-fin 5s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend be',
      'backend be',
      '  balance roundrobin',
      '  retries 3',
      '  option redispatch',
      '  option httpchk GET /readyz',
      `  default-server inter 300ms fall ${options.fall ?? 1} rise 1 on-marked-down shutdown-sessions`,
      ...backends.map((p, i) => `  server s${i} 127.0.0.1:${p} check`),
      '',
    ].join('\n'),
  );
  execFileSync('haproxy', ['-c', '-q', '-f', cfg]);
  const proc = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
  await waitFor('haproxy', async () => proc.exitCode === null && (await portOpen(port)));
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    async stop() {
      proc.kill('SIGTERM');
      await exited(proc);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
