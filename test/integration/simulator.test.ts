/** DUMMY_DATA: the seeded inventory and the simulator that keeps it moving; stopped by close(). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { connectClient } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '20', JOB_TICK_MS: '10' });
});
afterAll(() => srv.close());

describe('DUMMY_DATA', () => {
  it('seeds two clusters, five hosts (two disconnected) and a dozen VMs', async () => {
    const fresh = await startInProcess({ DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '0' });
    try {
      const inv = (await api(fresh.url, 'GET', '/api/v1/inventory')).body;
      expect(inv.clusters).toHaveLength(2);
      expect(inv.hosts).toHaveLength(5);
      expect(inv.hosts.filter((h: { status: string }) => h.status === 'disconnected')).toHaveLength(2);
      expect(inv.vms).toHaveLength(12);
      const restarted = await fresh.restart();
      expect((await api(restarted.url, 'GET', '/api/v1/inventory')).body.vms).toHaveLength(12);
      await restarted.close();
    } finally {
      await fresh.close();
    }
  });

  it('the simulator moves VMs, runs jobs to the end and changes hosts, all as ordinary events', async () => {
    const client = await connectClient(`${srv.wsUrl}?topics=all`);
    await client.next((m) => m.type === 'initial_state');
    await client.next((m) => m.type === 'inventory' && (m.data as { kind: string }).kind === 'vm' && m.action === 'updated', 10_000);
    await client.next((m) => m.type === 'job' && m.action === 'created', 10_000);
    await client.next((m) => m.type === 'job' && (m.data as { job?: { status: string } }).job?.status === 'completed', 10_000);
    await client.next((m) => m.type === 'inventory' && (m.data as { kind: string }).kind === 'host' && m.action === 'updated', 10_000);
    await client.close();
  });

  it('stops with the server', async () => {
    const own = await startInProcess({ DUMMY_DATA: 'true', SIMULATOR_INTERVAL_MS: '10', JOB_TICK_MS: '5' });
    await new Promise((r) => setTimeout(r, 200));
    await own.close();
    const count = own.logs.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(own.logs.length).toBe(count);
    expect(own.logs.join('\n')).not.toMatch(/simulator step failed|after-commit effect failed|fan-out failed/);
  });
});
