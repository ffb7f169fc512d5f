/** notify and watch against a real server (dev auth): what notify creates, watch prints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { jsonLines, runCli, spawnCli } from './run.js';

let server: ChildServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startServer();
  env = { AETHER_URL: server.url };
});
afterAll(async () => {
  await server?.close();
});

describe('notify', () => {
  it('prints the new id, and --json the whole notification', async () => {
    const r = await runCli(['notify', '--title', 'Deploy done', '--message', 'v1.4.2 is live', '--level', 'success', '--category', 'job'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    const id = r.stdout.trim();
    const stored = await (await fetch(`${server.url}/api/v1/notifications/${id}`)).json();
    expect(stored).toMatchObject({ title: 'Deploy done', message: 'v1.4.2 is live', level: 'success', category: 'job', recipient: null });

    const j = await runCli(['notify', '-t', 'T', '-m', 'M', '--to', 'alice', '--json'], { env });
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ title: 'T', message: 'M', recipient: 'alice', level: 'info', category: 'system' });
  });

  it('notify - reads a JSON object from stdin; options override its fields', async () => {
    const input = JSON.stringify({ title: 'from stdin', message: 'body', metadata: { size_gb: 12 }, related_entity: { type: 'host', id: 'hv-01' } });
    const r = await runCli(['notify', '-', '--level', 'warning', '--json'], { env, input });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      title: 'from stdin',
      level: 'warning',
      metadata: { size_gb: 12 },
      related_entity: { type: 'host', id: 'hv-01' },
    });
  });

  it('--idempotency-key: a retry prints the same id and says so on stderr', async () => {
    const args = ['notify', '-t', 'once', '-m', 'only once', '--idempotency-key', 'deploy-42'];
    const first = await runCli(args, { env });
    const second = await runCli(args, { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('already created with this idempotency key');
  });

  it('a server-side validation error exits 1 with the server’s detail on one line', async () => {
    const r = await runCli(['notify', '-t', 'x'.repeat(201), '-m', 'm'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^aether-v: POST \/api\/v1\/notifications failed with 400: title: .*\(validation_failed\)\n$/);
  });
});

describe('watch', () => {
  it('notify, then watch --json sees it in the initial state, then prints a live one', async () => {
    const before = (await runCli(['notify', '-t', 'Before watch', '-m', 'already there'], { env })).stdout.trim();
    const watch = spawnCli(['watch', '--json'], { env });
    try {
      await watch.waitForLine((l) => l.includes('"initial_state"'));
      const [snapshot] = jsonLines(watch.lines);
      expect(snapshot?.type).toBe('initial_state');
      expect(snapshot?.data.notifications.map((n: { id: string }) => n.id)).toContain(before);
      await watch.waitForStderr(/connected as dev-user/);

      const live = (await runCli(['notify', '-t', 'Live', '-m', 'arrives now', '-l', 'error'], { env })).stdout.trim();
      const line = await watch.waitForLine((l) => l.includes(live));
      expect(JSON.parse(line)).toMatchObject({
        type: 'notification',
        action: 'created',
        topic: 'notifications',
        data: { id: live, title: 'Live', level: 'error' },
      });
      expect(typeof JSON.parse(line).offset).toBe('number');
    } finally {
      expect(await watch.stop('SIGINT')).toBe(0);
    }
  });

  it('human output: one line per event, no colour when stdout is not a terminal; --since-now skips the state; SIGTERM exits 0', async () => {
    await runCli(['notify', '-t', 'Old news', '-m', 'not shown'], { env });
    const watch = spawnCli(['watch', 'notifications', '--since-now'], { env });
    try {
      await watch.waitForStderr(/connected as dev-user/);
      await runCli(['notify', '-t', 'Host hv-01 back', '-m', 'Heartbeats resumed', '-l', 'success', '-c', 'host'], { env });
      const line = await watch.waitForLine((l) => l.includes('hv-01'));
      expect(line).toMatch(/^\d\d:\d\d:\d\d {2}notification\.created +success +host +Host hv-01 back: Heartbeats resumed {2}[0-9a-f-]{36} {2}\(\d+ unread\)$/);
      expect(line).not.toContain('\u001b[');
      expect(watch.lines.join('\n')).not.toContain('Old news');
    } finally {
      expect(await watch.stop('SIGTERM')).toBe(0);
    }
  });

  it('prints read-state changes for this user and ignores notifications addressed to someone else', async () => {
    const watch = spawnCli(['watch', '--json', '--since-now'], { env });
    try {
      await watch.waitForStderr(/connected as dev-user/);
      await runCli(['notify', '-t', 'for alice', '-m', 'private', '--to', 'alice'], { env });
      const mine = (await runCli(['notify', '-t', 'for all', '-m', 'public'], { env })).stdout.trim();
      await fetch(`${server.url}/api/v1/notifications/${mine}/read`, { method: 'PUT' });
      await watch.waitForLine((l) => l.includes('"updated"'));
      const events = jsonLines(watch.lines);
      expect(events.map((e) => [e.action, e.data.id])).toEqual([
        ['created', mine],
        ['updated', mine],
      ]);
      expect(events[1]?.data.read).toBe(true);
    } finally {
      await watch.stop();
    }
  });
});

describe('token and whoami with development auth', () => {
  it('token: nothing needed, exit 0 with an explanation on stderr', async () => {
    const r = await runCli(['token'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no token needed');
  });

  it('whoami names the principal', async () => {
    const r = await runCli(['whoami'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('dev-user via dev; roles: admin\n');
  });
});
