/** The inbox commands against a real server (dev auth): notify --condition, resolve, archive, snooze; and their help. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { runCli } from './run.js';

let server: ChildServer;
let env: Record<string, string>;
beforeAll(async () => {
  server = await startServer();
  env = { AETHER_URL: server.url };
});
afterAll(async () => {
  await server?.close();
});

const get = async (id: string) => (await fetch(`${server.url}/api/v1/notifications/${id}`)).json() as Promise<Record<string, unknown>>;

describe('inbox commands', () => {
  it('notify --condition raises one entry; resolve clears it, and again is an API error', async () => {
    const args = ['notify', '-t', 'hv-09 unreachable', '-m', 'no heartbeat', '-l', 'error', '--condition', 'host:hv-09:unreachable'];
    const first = await runCli(args, { env });
    const second = await runCli([...args, '--json'], { env });
    expect(first.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ id: first.stdout.trim(), count: 2 });
    const resolved = await runCli(['resolve', 'host:hv-09:unreachable', '--read', '--json'], { env });
    expect(resolved.code).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ id: first.stdout.trim(), read: true, resolved_at: expect.any(String) });
    const again = await runCli(['resolve', 'host:hv-09:unreachable'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/404/);
  });

  it('archive and --undo; snooze --for, --until, --off, and bad usage', async () => {
    const id = (await runCli(['notify', '-t', 'T', '-m', 'M'], { env })).stdout.trim();
    expect((await runCli(['archive', id], { env })).stdout).toBe(`${id}\n`);
    expect(await get(id)).toMatchObject({ archived: true });
    await runCli(['archive', id, '--undo'], { env });
    expect(await get(id)).toMatchObject({ archived: false });
    expect((await runCli(['snooze', id, '--for', '2h'], { env })).code).toBe(0);
    const until = (await get(id)).snoozed_until as string;
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(119 * 60_000);
    await runCli(['snooze', id, '--until', '2099-01-01T00:00:00Z'], { env });
    expect((await runCli(['snooze', id, '--off'], { env })).code).toBe(0);
    expect(await get(id)).toMatchObject({ snoozed_until: null });
    expect((await runCli(['snooze', id, '--for', '90s'], { env })).code).toBe(2);
    expect((await runCli(['snooze', id], { env })).code).toBe(2);
    expect((await runCli(['archive'], { env })).code).toBe(2);
  });

  it('documents each in --help', async () => {
    for (const command of ['resolve', 'archive', 'snooze']) {
      const r = await runCli([command, '--help'], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: aether-v ${command}`);
    }
    expect((await runCli(['notify', '--help'], { env })).stdout).toContain('--condition KEY');
  });
});
