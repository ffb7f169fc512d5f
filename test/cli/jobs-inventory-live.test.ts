/** jobs, inventory and watch on the jobs and inventory topics, against the real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ChildServer } from '../helpers/server.js';
import { jsonLines, runCli, spawnCli } from './run.js';

let server: ChildServer;
let env: Record<string, string>;

beforeAll(async () => {
  // The demo fleet without the simulator, so nothing moves unless a test moves it.
  server = await startServer({ env: { DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '0', JOB_TICK_MS: '20' } });
  env = { AETHER_URL: server.url };
});
afterAll(async () => {
  await server?.close();
});

async function rest(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(server.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, `${method} ${path}: ${response.status}`).toBe(true);
  return response.status === 204 ? undefined : response.json();
}

async function finished(id: string): Promise<void> {
  await expect.poll(async () => (await rest('GET', `/api/v1/jobs/${id}`)).status, { timeout: 10_000, interval: 50 }).toMatch(/completed|failed|cancelled/);
}

describe('inventory', () => {
  it('lists every host and VM the server has; --json is the REST answer', async () => {
    const inventory = await rest('GET', '/api/v1/inventory');
    expect(inventory.hosts.length).toBeGreaterThan(0);
    const r = await runCli(['inventory'], { env });
    expect(r.code).toBe(0);
    const [hosts, vms] = r.stdout.split('\n\n');
    expect(hosts?.trimEnd().split('\n')).toHaveLength(inventory.hosts.length + 1);
    expect(vms?.trimEnd().split('\n')).toHaveLength(inventory.vms.length + 1);
    for (const host of inventory.hosts) expect(hosts).toMatch(new RegExp(`^${host.id} .* ${host.status} `, 'm'));
    for (const vm of inventory.vms) expect(vms).toMatch(new RegExp(`^${vm.name} +${vm.host_id} +${vm.state} `, 'm'));
    const j = await runCli(['inventory', '--json'], { env });
    expect(JSON.parse(j.stdout)).toEqual(await rest('GET', '/api/v1/inventory'));
  });
});

describe('jobs', () => {
  it('lists jobs created over REST, newest first, and filters by status', async () => {
    const ok = await rest('POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 50 } });
    const bad = await rest('POST', '/api/v1/jobs', { type: 'fail', parameters: { message: 'disk full' } });
    await finished(ok.id);
    await finished(bad.id);
    const all = await runCli(['jobs'], { env });
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +TYPE +STATUS +PROGRESS +CREATED +BY +ERROR$/);
    expect(lines.findIndex((l) => l.startsWith(bad.id))).toBeLessThan(lines.findIndex((l) => l.startsWith(ok.id)));
    expect(lines.find((l) => l.startsWith(ok.id))).toMatch(/ sleep +completed +100% .* dev-user/);
    const failed = await runCli(['jobs', '--status', 'failed'], { env });
    expect(failed.stdout).toContain(bad.id);
    expect(failed.stdout).not.toContain(ok.id);
    expect(failed.stdout).toMatch(/fail +failed .*disk full/);
  });
});

describe('watch jobs and inventory', () => {
  it('watch jobs --json: a job created over REST is seen from created to completed, in offset order', async () => {
    const watch = spawnCli(['watch', 'jobs', '--json', '--since-now'], { env });
    try {
      await watch.waitForStderr(/connected as dev-user/);
      const job = await rest('POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 60 } });
      await watch.waitForLine((l) => l.includes('"completed"') && l.includes(job.id) && l.includes('"updated"'));
      const events = jsonLines(watch.lines).filter((m) => m.data?.id === job.id);
      expect(events[0]).toMatchObject({ type: 'job', action: 'created', topic: 'jobs' });
      expect(events.at(-1)).toMatchObject({ type: 'job', action: 'updated', data: { job: { status: 'completed', progress: 100 } } });
      const offsets = events.map((e) => e.offset as number);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  });

  it('watch inventory jobs:<id> (human): a VM change and one job’s lines', async () => {
    const job = await rest('POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 2000 } });
    const watch = spawnCli(['watch', 'inventory', `jobs:${job.id}`, '--since-now'], { env });
    try {
      await watch.waitForStderr(/connected as dev-user/);
      const [vm] = (await rest('GET', '/api/v1/vms')).vms;
      const next = vm.state === 'paused' ? 'running' : 'paused';
      await rest('PUT', `/api/v1/vms/${vm.host_id}/${vm.name}`, { state: next });
      const line = await watch.waitForLine((l) => l.includes('inventory.updated'));
      expect(line).toMatch(new RegExp(`inventory\\.updated +vm +${vm.id}  state=${next}$`));
      await watch.waitForLine((l) => l.includes('job.updated') && l.includes('completed'));
      expect(watch.lines.filter((l) => l.startsWith('job') || / job\./.test(l)).every((l) => l.includes(job.id))).toBe(true);
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  });
});
