/** `npm run demo` as a newcomer runs it: the built server with demo data, the page, REST and /ws. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer } from '../helpers/server.js';
import { connectReady } from '../helpers/ws-client.js';

let port: number;
let child: ReturnType<typeof spawn>;
const output: string[] = [];

beforeAll(async () => {
  port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-demo-'));
  child = spawn(process.execPath, ['scripts/demo.mjs'], { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error(`demo did not start: ${output.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

afterAll(async () => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
});

describe('npm run demo', () => {
  it('serves the page at /', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(await r.text()).toMatch(/<html/i);
  });

  it('serves demo notifications over REST and /ws, with development auth on loopback', async () => {
    const list = (await (await fetch(`http://127.0.0.1:${port}/api/v1/notifications`)).json()) as { total_count: number };
    expect(list.total_count).toBeGreaterThanOrEqual(5);
    const { client, connection, initial } = await connectReady(`ws://127.0.0.1:${port}/ws`);
    expect(connection.user).toBe('dev-user');
    expect((initial.data as { notifications: unknown[] }).notifications.length).toBeGreaterThanOrEqual(5);
    await client.close();
    expect(output.join('')).toMatch(/development auth is on/);
    // pino-pretty in the demo only: readable lines, not JSON.
    expect(output.join('')).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: development auth is on/m);
    expect(output.join('')).not.toMatch(/^\{"level"/m);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('the server alone (npm start)', () => {
  it('writes JSON lines, one object per line, as its default log', async () => {
    const server = await startServer({ env: { DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '0' } });
    await fetch(`${server.url}/api/v1/inventory`);
    await server.close();
    const lines = server.output
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(JSON.parse(line), line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
    expect(lines.some((line) => line.includes('seeded demo inventory'))).toBe(true);
  });
});
