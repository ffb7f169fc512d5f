/**
 * The services raise and resolve their own conditions: a host that disconnects raises
 * `host:<id>:unreachable` and reconnecting resolves it; a job that fails raises its failure
 * condition (failing again counts on the same entry) and a retry with the same type and
 * parameters that completes resolves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFailedKey } from '../../src/services/job-condition.js';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ JOB_TICK_MS: '10' });
});
afterAll(() => srv.close());

const byKey = async (key: string) =>
  (await api(srv.url, 'GET', `/api/v1/notifications?state=all&condition_key=${encodeURIComponent(key)}`)).body.notifications as Array<Record<string, unknown>>;
const host = (id: string, status: string, vms: unknown[] = []) =>
  api(srv.url, 'PUT', `/api/v1/hosts/${id}`, { status, cpu_cores: 4, memory_mb: 8192, cpu_usage_percent: 1, memory_usage_percent: 1, vms });

async function finished(id: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const job = (await api(srv.url, 'GET', `/api/v1/jobs/${id}`)).body as { status: string };
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job.status;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

describe('conditions the services raise', () => {
  it('host disconnected raises host:<id>:unreachable; reconnected resolves it', async () => {
    await host('hv-cond', 'connected');
    await host('hv-cond', 'disconnected');
    const raised = await byKey('host:hv-cond:unreachable');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ level: 'error', category: 'host', resolved_at: null, count: 1 });
    await host('hv-cond', 'connected');
    const resolved = await byKey('host:hv-cond:unreachable');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.resolved_at).toEqual(expect.stringMatching(/Z$/));
    // Problems no longer count it.
    const counts = await api(srv.url, 'POST', '/api/v1/notifications/counts', {
      filters: [{ condition: 'active', condition_key: 'host:hv-cond:unreachable' }],
    });
    expect(counts.body.counts).toEqual([0]);
  });

  it('job failed raises its condition, failing again counts on it, a retry that completes resolves it', async () => {
    const parameters = { host: 'hv-jobcond', vm: 'later' };
    const key = jobFailedKey('vm.start', parameters);
    await host('hv-jobcond', 'connected');
    for (let i = 0; i < 2; i++) {
      const job = await api(srv.url, 'POST', '/api/v1/jobs', { type: 'vm.start', parameters });
      expect(await finished(job.body.id as string)).toBe('failed');
    }
    const failed = await byKey(key);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'error', category: 'job', count: 2, resolved_at: null });
    await host('hv-jobcond', 'connected', [{ name: 'later', state: 'off' }]);
    const retry = await api(srv.url, 'POST', '/api/v1/jobs', { type: 'vm.start', parameters });
    expect(await finished(retry.body.id as string)).toBe('completed');
    expect((await byKey(key))[0]!.resolved_at).toEqual(expect.stringMatching(/Z$/));
  });
});
