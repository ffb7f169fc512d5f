/**
 * Runs the built server (`dist/main.js`) as a child process on a fixed free port, so a test can
 * stop it (SIGTERM) and start it again on the same port and data directory, as an operator would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabaseEnv } from '../services/database.js';
import { freePort } from '../services/processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChildServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Output of every run so far. */
  readonly output: string[];
  /** The running process's id, or undefined while stopped. */
  readonly pid: number | undefined;
  /** The running process (its stdout and stderr are piped), or undefined while stopped. */
  readonly process: ChildProcess | undefined;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A port that was free a moment ago (one implementation, shared by every helper). */
export { freePort };

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server not ready within ${timeoutMs} ms`);
}

export async function startServer(options: { env?: Record<string, string>; dataDir?: string; port?: number } = {}): Promise<ChildServer> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aether-child-'));
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  let child: ChildProcess | undefined;
  // Created once, so stop/start keeps the same PostgreSQL database as it keeps the data directory.
  const databaseEnv = options.env?.DATABASE_URL === undefined ? await testDatabaseEnv(dataDir) : {};

  async function start(): Promise<void> {
    const env = {
      ...process.env,
      AUTH_ENABLED: 'false',
      ALLOW_DEV_AUTH: 'true',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      ...databaseEnv,
      ...options.env,
    };
    const proc = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    proc.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    child = proc;
    // Generous: on a loaded machine (load average 7 on two cores) a start once took over 15 s.
    await waitReady(url, proc, 30_000);
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    dataDir,
    output,
    get pid() {
      return child?.pid;
    },
    get process() {
      return child;
    },
    stop,
    start,
    close: () => stop(),
  };
}
