/**
 * The server's log destination (src/http/log.ts): when standard output's reader goes away (a log
 * shipper that died, `| head`), the server keeps serving and says so once on stderr; it used to
 * crash on an unhandled EPIPE 'error' from `process.stdout`, and the notice must not crash it
 * either when stderr went with it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { testDatabaseEnv } from '../services/database.js';
import { freePort } from '../services/processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stops: (() => void)[] = [];

afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

const answers = async (url: string): Promise<boolean> => {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
};

/** The built server as a child process, its stdout and stderr piped to this test. */
async function startPiped(): Promise<{ proc: ChildProcessByStdio<null, Readable, Readable>; base: string; out: { stdout: string; stderr: string } }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-log-'));
  const env = {
    ...process.env,
    AUTH_ENABLED: 'false',
    ALLOW_DEV_AUTH: 'true',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    ...(await testDatabaseEnv(dataDir)),
  };
  const proc = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  stops.push(() => proc.kill('SIGKILL'));
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  await until(() => answers(`${base}/readyz`), 30_000, 'the server ready');
  await until(() => out.stdout.includes('"msg"'), 5_000, 'a log line on stdout');
  return { proc, base, out };
}

/** Requests that each write a log line, answered while the lines go nowhere; then a clean stop. */
async function servesThenStops(proc: ChildProcessByStdio<null, Readable, Readable>, base: string): Promise<void> {
  for (let i = 0; i < 5; i += 1) {
    const r = await fetch(`${base}/api/v1/notifications`);
    expect(r.status).toBe(200);
  }
  expect(proc.exitCode).toBeNull();
  expect(await answers(`${base}/readyz`)).toBe(true);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
}

it('keeps serving when stdout is closed under it, and says so once on stderr', async () => {
  const { proc, base, out } = await startPiped();
  // The reader goes away: every later line is a write to a broken pipe.
  proc.stdout.destroy();
  const served = servesThenStops(proc, base);
  await until(() => out.stderr.includes('EPIPE'), 10_000, 'the notice on stderr');
  await served;
  expect(out.stderr.match(/standard output was closed \(EPIPE\)/g)).toHaveLength(1);
});

it('keeps serving when stdout and stderr are both closed under it (one dead reader for both)', async () => {
  const { proc, base } = await startPiped();
  proc.stdout.destroy();
  proc.stderr.destroy();
  await servesThenStops(proc, base);
});
