/** `aether-v serve` runs the same server as `npm start`, with flags mapped onto the environment. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { freePort } from '../helpers/server.js';
import { runCli, spawnCli } from './run.js';

it('serve --dev --port --data-dir --dummy-data serves REST and /ws, and exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-cli-serve-'));
  const server = spawnCli(['serve', '--dev', '--port', String(port), '--data-dir', dataDir, '--dummy-data'], { env: { AUTH_ENABLED: 'true' } });
  try {
    const url = `http://127.0.0.1:${port}`;
    await expect.poll(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status, { timeout: 15_000, interval: 100 }).toBe(200);
    expect(fs.existsSync(path.join(dataDir, 'aether-v.sqlite'))).toBe(true);
    const list = await runCli(['whoami'], { env: { AETHER_URL: url } });
    expect(list.stdout).toBe('dev-user via dev; roles: admin\n');
    const seeded = await (await fetch(`${url}/api/v1/notifications`)).json();
    expect(seeded.total_count).toBeGreaterThan(0);
  } finally {
    expect(await server.stop('SIGTERM')).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

it('a bad setting stops serve with exit 2 and one line naming the variable', async () => {
  const r = await runCli(['serve', '--dev', '--host', '0.0.0.0', '--port', '0']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^aether-v: configuration error: HOST: development auth is bound to loopback[^\n]*\n$/);
});
