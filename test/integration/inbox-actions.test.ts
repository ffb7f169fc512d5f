/**
 * Notification actions: validated on create (a job action's type and parameters as a job create
 * checks them; links only to this server or http(s)); a job action runs only for a writer, as
 * that user (the job's `created_by`); a reader gets 403 and no job is created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ JOB_TICK_MS: '10' }, { authenticator: multiUserAuthenticator() });
});
afterAll(() => srv.close());

const as = (user: string) => ({ 'x-test-user': user });
const create = (actions: unknown) => api(srv.url, 'POST', '/api/v1/notifications', { title: 'VM down', message: 'web-01 stopped', actions }, as('alice'));
const jobCount = async () => ((await api(srv.url, 'GET', '/api/v1/jobs?limit=500', undefined, as('alice'))).body.jobs as unknown[]).length;

describe('notification actions', () => {
  it('validates actions on create', async () => {
    const ok = await create([
      { label: 'Wait', kind: 'job', job_type: 'sleep', parameters: { duration_ms: 10 } },
      { label: 'Open host', kind: 'link', url: '/#/inventory' },
    ]);
    expect(ok.status).toBe(201);
    expect(ok.body.actions).toEqual([
      { label: 'Wait', kind: 'job', job_type: 'sleep', parameters: { duration_ms: 10 } },
      { label: 'Open host', kind: 'link', url: '/#/inventory' },
    ]);
    for (const bad of [
      [{ label: 'x', kind: 'job', job_type: 'no.such' }],
      [{ label: 'x', kind: 'job', job_type: 'vm.start', parameters: {} }],
      [{ label: 'x', kind: 'link', url: 'javascript:alert(1)' }],
      [{ label: 'x', kind: 'link', url: '//evil.example' }],
      [{ label: '', kind: 'link', url: '/' }],
      [{ label: 'x', kind: 'shell' }],
      Array.from({ length: 6 }, () => ({ label: 'x', kind: 'link', url: '/' })),
    ]) {
      const r = await create(bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/actions/);
    }
  });

  it('a writer runs a job action as themself; a reader gets 403 and no job', async () => {
    const n = await create([
      { label: 'Wait', kind: 'job', job_type: 'sleep', parameters: { duration_ms: 10 } },
      { label: 'Docs', kind: 'link', url: 'https://example.com/' },
    ]);
    const before = await jobCount();
    const refused = await api(srv.url, 'POST', `/api/v1/notifications/${n.body.id}/actions/0`, undefined, as('viewer-1'));
    expect(refused.status).toBe(403);
    expect(await jobCount()).toBe(before);
    const ran = await api(srv.url, 'POST', `/api/v1/notifications/${n.body.id}/actions/0`, undefined, as('bob'));
    expect(ran.status).toBe(201);
    expect(ran.body).toMatchObject({ notification_id: n.body.id, action: 0, run_by: 'bob', job: { type: 'sleep', created_by: 'bob' } });
    expect(await jobCount()).toBe(before + 1);
    expect((await api(srv.url, 'POST', `/api/v1/notifications/${n.body.id}/actions/1`, undefined, as('bob'))).status).toBe(400);
    expect((await api(srv.url, 'POST', `/api/v1/notifications/${n.body.id}/actions/7`, undefined, as('bob'))).status).toBe(404);
  });
});
