/** The CLI against a server with AUTH_ENABLED=true and an API token: right, wrong and missing tokens. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { jsonLines, runCli, spawnCli } from './run.js';

const API_TOKEN = 'cli-test-api-token-0123456789abcdef';
const WRONG = 'cli-test-api-token-0123456789abcdeX';
let server: ChildServer;

beforeAll(async () => {
  server = await startServer({
    env: { AUTH_ENABLED: 'true', SESSION_SECRET_KEY: 'cli-test-session-secret-0123456789-abcdefgh', API_TOKEN, WS_AUTH_TIMEOUT_MS: '300' },
  });
});
afterAll(async () => {
  await server?.close();
});

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '' && !l.includes('connecting to'));
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

describe('right token', () => {
  it('whoami: the API token is the admin service principal', async () => {
    const r = await runCli(['whoami'], { env: { AETHER_URL: server.url, AETHER_TOKEN: API_TOKEN } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('api-token via api-token; roles: user, admin\n');
  });

  it('--token overrides AETHER_TOKEN; notify and watch work with it (header on /ws, no Origin)', async () => {
    const env = { AETHER_URL: server.url, AETHER_TOKEN: WRONG };
    const watch = spawnCli(['watch', '--json', '--since-now', '--token', API_TOKEN], { env });
    try {
      await watch.waitForStderr(/connected as api-token/);
      const r = await runCli(['notify', '-t', 'From the pipeline', '-m', 'deployed', '--token', API_TOKEN], { env });
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      await watch.waitForLine((l) => l.includes(id));
      expect(jsonLines(watch.lines)[0]).toMatchObject({ type: 'notification', action: 'created', data: { id, title: 'From the pipeline' } });
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  });

  it('token: explains that the API token is used on /ws as it is, exit 3', async () => {
    const r = await runCli(['token'], { env: { AETHER_URL: server.url, AETHER_TOKEN: API_TOKEN } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toMatch(/^aether-v: no ws-token for this credential: .*browser sessions only.*\/ws accepts your AETHER_TOKEN as it is/);
  });
});

describe('wrong token: one clear line and exit 3', () => {
  const env = (): Record<string, string> => ({ AETHER_URL: server.url, AETHER_TOKEN: WRONG });

  it.each([[['notify', '-t', 't', '-m', 'm']], [['whoami']], [['jobs']], [['inventory']]])('aether-v %j (REST 401)', async (args) => {
    const r = await runCli(args, { env: env() });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toBe('aether-v: authentication failed: the server refused the token (invalid token)');
    expect(r.stdout).toBe('');
  });

  it('aether-v watch (/ws closed 1008)', async () => {
    const r = await runCli(['watch'], { env: env() });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toBe(`aether-v: authentication failed on ${server.wsUrl}: 1008 invalid: invalid token`);
  });

  it('never echoes the token', async () => {
    const r = await runCli(['notify', '-t', 't', '-m', 'm'], { env: env() });
    expect(r.stderr + r.stdout).not.toContain(WRONG);
  });
});

describe('no token: exit 3 with a hint', () => {
  const env = (): Record<string, string> => ({ AETHER_URL: server.url });

  it('REST', async () => {
    const r = await runCli(['notify', '-t', 't', '-m', 'm'], { env: env() });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/^aether-v: authentication required: set AETHER_TOKEN or pass --token \(server said: authentication required/);
  });

  it('/ws (closed 1008 after the auth timeout)', async () => {
    const r = await runCli(['watch'], { env: env() });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/^aether-v: authentication failed on ws:.*: 1008 .*; set AETHER_TOKEN or pass --token$/);
  });

  it('token: needs a browser session', async () => {
    const r = await runCli(['token'], { env: env() });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/no ws-token without a signed-in session/);
  });
});
