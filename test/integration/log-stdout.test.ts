/**
 * The server's log destination (src/http/log.ts): when standard output's reader goes away (a log
 * shipper that died, `| head`), the server keeps serving and says so once on stderr; it used to
 * crash on an unhandled EPIPE 'error' from `process.stdout`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

it('keeps serving when stdout is closed under it, and says so once on stderr', async () => {
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
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  await until(() => answers(`${base}/readyz`), 30_000, 'the server ready');
  await until(() => stdout.includes('"msg"'), 5_000, 'a log line on stdout');

  // The reader goes away: every later line is a write to a broken pipe.
  proc.stdout.destroy();
  for (let i = 0; i < 5; i += 1) {
    const r = await fetch(`${base}/api/v1/notifications`);
    expect(r.status).toBe(200);
  }
  await until(() => stderr.includes('EPIPE'), 5_000, 'the notice on stderr');
  expect(proc.exitCode).toBeNull();
  expect(await answers(`${base}/readyz`)).toBe(true);
  expect(stderr.match(/standard output was closed \(EPIPE\)/g)).toHaveLength(1);

  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
});
