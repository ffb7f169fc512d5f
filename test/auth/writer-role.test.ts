/** The writer role with real authentication: inventory writes and jobs need `admin` (OIDC_ADMIN_ROLE or the API token). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, API_TOKEN, startAuthWorld, USER_ROLE, type AuthWorld } from '../helpers/auth-world.js';

let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld({ env: { JOB_TICK_MS: '10' } });
});
afterAll(() => world?.close());

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(world.app.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('writer role', () => {
  it('the API token and an OIDC admin may write; an OIDC user may read but gets 403 on writes', async () => {
    expect((await call('PUT', '/api/v1/hosts/hv-auth', API_TOKEN, { vms: [{ name: 'v1' }] })).status).toBe(201);
    const admin = await world.mint({ sub: 'bob', preferred_username: 'bob', roles: [USER_ROLE, ADMIN_ROLE] });
    const job = await call('POST', '/api/v1/jobs', admin, { type: 'vm.start', parameters: { host: 'hv-auth', vm: 'v1', api_key: 'k-0123456789-secret' } });
    expect(job.status).toBe(201);
    expect(job.body).toMatchObject({ created_by: 'bob', parameters: { api_key: '[REDACTED]' } });
    world.capture.secret('k-0123456789-secret');

    const user = await world.mint({ sub: 'alice', preferred_username: 'alice', roles: [USER_ROLE] });
    expect((await call('GET', '/api/v1/inventory', user)).status).toBe(200);
    expect((await call('GET', `/api/v1/jobs/${job.body.id as string}`, user)).status).toBe(200);
    for (const [method, path, body] of [
      ['PUT', '/api/v1/hosts/hv-auth', { status: 'maintenance' }],
      ['POST', '/api/v1/vms', { host: 'hv-auth', name: 'v2' }],
      ['PUT', '/api/v1/vms/hv-auth/v1', { state: 'off' }],
      ['DELETE', '/api/v1/vms/hv-auth/v1', undefined],
      ['POST', '/api/v1/jobs', { type: 'sleep' }],
      ['POST', `/api/v1/jobs/${job.body.id as string}/cancel`, undefined],
    ] as const) {
      const r = await call(method, path, user, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body).toEqual({ detail: 'requires role admin', code: 'forbidden' });
    }
    expect(world.capture.leaks()).toEqual([]);
  });
});
