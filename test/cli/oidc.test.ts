/** The CLI with an OIDC access token (a real provider): whoami, watch, and what happens at expiry. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';
import { runCli, spawnCli } from './run.js';

let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld({ env: { OIDC_CLOCK_TOLERANCE_SEC: '0' } });
});
afterAll(async () => {
  await world?.close();
});

it('whoami names the OIDC user and the token expiry', async () => {
  const r = await runCli(['whoami'], { env: { AETHER_URL: world.app.url, AETHER_TOKEN: await world.mint() } });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^alice via oidc; roles: user, expires \d{4}-\d\d-\d\dT/);
});

it('watch with an OIDC token: closed 4001 at expiry, the reconnect is refused, exit 3 with one line', async () => {
  const token = await world.mint({}, { expiresInSec: 2 });
  const watch = spawnCli(['watch', '--since-now'], { env: { AETHER_URL: world.app.url, AETHER_TOKEN: token } });
  await watch.waitForStderr(/connected as alice/);
  expect(await watch.exited).toBe(3);
  const stderr = watch.stderr();
  expect(stderr).toMatch(/connection lost \(4001 token expired/);
  expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/^aether-v: authentication failed on ws:\/\/.*: 1008 expired/);
  expect(stderr).not.toContain(token);
}, 20_000);
