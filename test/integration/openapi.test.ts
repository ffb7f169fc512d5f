/** /openapi.json: a valid OpenAPI 3.1 document that covers every route, and real answers that match it. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undescribedRoutes } from '../../src/http/openapi/install.js';
import { startAuthWorld } from '../helpers/auth-world.js';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }>; requestBody?: unknown }>>;
};

let srv: Running;
let doc: Doc;
beforeAll(async () => {
  srv = await startInProcess({ JOB_TICK_MS: '10' });
  const answer = await api(srv.url, 'GET', '/openapi.json');
  expect(answer.status).toBe(200);
  doc = answer.body as Doc;
});
afterAll(() => srv.close());

/** `/api/v1/vms/:host/:vm` → `/api/v1/vms/{host}/{vm}`. */
const openapiPath = (url: string): string => url.replace(/:([A-Za-z_]+)/g, '{$1}');

describe('the document', () => {
  it('validates as OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(doc) as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes every registered route, with its answers and bodies', () => {
    // Every route registered outside the page's and /docs' own files has an entry in the tables.
    expect(undescribedRoutes(srv.server.app)).toEqual([]);
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );
    const keys = operations.map((o) => o.key);
    for (const expected of [
      'GET /api/v1/jobs',
      'POST /api/v1/jobs',
      'GET /api/v1/vms/{host}/{vm}',
      'PUT /api/v1/hosts/{host}',
      'GET /healthz',
      'GET /metrics',
      'GET /auth/me',
      'GET /openapi.json',
    ])
      expect(keys).toContain(expected);
    expect(keys.filter((k) => k.includes('/docs') || k.endsWith('.js') || k.endsWith('.css') || k.endsWith('.html'))).toEqual([]);
    for (const { key, op } of operations) {
      expect(Object.keys(op.responses ?? {}).length, key).toBeGreaterThan(0);
      if (/^(POST|PUT) \/api\/v1\/(vms|hosts\/\{host\}|jobs|notifications)$/.test(key)) expect(op.requestBody, key).toBeDefined();
    }
  });

  it('describes the sign-in routes too, when OIDC is on (they exist only then)', async () => {
    const world = await startAuthWorld();
    try {
      expect(undescribedRoutes(world.app.server.app)).toEqual([]);
      const withAuth = (await (await fetch(`${world.app.url}/openapi.json`)).json()) as Doc;
      const result = await new Validator().validate(structuredClone(withAuth) as unknown as Parameters<Validator['validate']>[0]);
      expect(result.errors ?? []).toEqual([]);
      for (const [path, method] of [
        ['/auth/login', 'get'],
        ['/auth/callback', 'get'],
        ['/auth/logout', 'post'],
      ] as const)
        expect(Object.keys(withAuth.paths[path]?.[method]?.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
    } finally {
      await world.close();
    }
  });

  it('is served at /docs as a browsable page from node_modules', async () => {
    const page = await fetch(`${srv.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-initializer.js');
  });
});

describe('real answers', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  let added = false;

  /** Checks `body` against the document's schema for `method path` and `status` (or `default`). */
  function expectMatches(method: string, url: string, status: number, body: unknown): void {
    if (!added) ajv.addSchema({ ...doc, $id: 'openapi' });
    added = true;
    const path = openapiPath(url);
    const responses = doc.paths[path]?.[method.toLowerCase()]?.responses ?? {};
    const code = responses[String(status)] !== undefined ? String(status) : 'default';
    expect(responses[code], `${method} ${path} ${status}`).toBeDefined();
    const pointer = `openapi#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}/responses/${code}/content/application~1json/schema`;
    const validate = ajv.getSchema(pointer);
    expect(validate, pointer).toBeDefined();
    const ok = validate?.(body);
    expect(validate?.errors ?? [], `${method} ${url} ${status}`).toEqual([]);
    expect(ok).toBe(true);
  }

  /** Operations whose real answer was checked, as `METHOD /openapi/{path}`. */
  const checked = new Set<string>();

  async function check(method: string, url: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
    const answer = await api(srv.url, method, url, body);
    const responses = doc.paths[openapiPath(route)]?.[method.toLowerCase()]?.responses ?? {};
    if (answer.status === 204) expect(responses['204'], `${method} ${route} 204`).toBeDefined();
    else expectMatches(method, route, answer.status, answer.body);
    if (answer.status < 400) checked.add(`${method} ${openapiPath(route)}`);
    return answer;
  }

  it('of the inventory, jobs, notifications, health and errors match their schemas', async () => {
    await check('PUT', '/api/v1/hosts/hv-1', '/api/v1/hosts/:host', {
      cluster_id: 'c1',
      status: 'connected',
      cpu_cores: 8,
      vms: [{ name: 'web-1', state: 'off' }],
    });
    await check('GET', '/api/v1/inventory', '/api/v1/inventory');
    await check('GET', '/api/v1/hosts', '/api/v1/hosts');
    await check('GET', '/api/v1/vms?state=off', '/api/v1/vms');
    await check('GET', '/api/v1/vms/hv-1/web-1', '/api/v1/vms/:host/:vm');
    await check('POST', '/api/v1/vms', '/api/v1/vms', { host: 'hv-1', name: 'db-1' });
    const job = await check('POST', '/api/v1/jobs', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 20 } });
    await check('GET', '/api/v1/jobs', '/api/v1/jobs');
    await check('GET', '/api/v1/jobs/types', '/api/v1/jobs/types');
    await check('GET', `/api/v1/jobs/${job.body.id}`, '/api/v1/jobs/:id');
    await check('GET', `/api/v1/jobs/${job.body.id}/output`, '/api/v1/jobs/:id/output');
    const n = await check('POST', '/api/v1/notifications', '/api/v1/notifications', {
      title: 'Hi',
      message: 'There',
      related_entity: { type: 'vm', id: 'hv-1/web-1' },
    });
    await check('GET', '/api/v1/notifications', '/api/v1/notifications');
    await check('PUT', `/api/v1/notifications/${n.body.id}/read`, '/api/v1/notifications/:id/read');
    await check('PUT', `/api/v1/notifications/${n.body.id}/archive`, '/api/v1/notifications/:id/archive');
    await check('POST', '/api/v1/notifications/counts', '/api/v1/notifications/counts', { filters: [{ state: 'archived' }, { levels: ['error'] }] });
    await check('POST', '/api/v1/notifications/bulk', '/api/v1/notifications/bulk', { op: 'read', filter: { state: 'all' } });
    await check('GET', '/healthz', '/healthz');
    await check('GET', '/readyz', '/readyz');
    await check('GET', '/auth/me', '/auth/me');
    // Errors: the same shape everywhere, and still the services' own messages.
    const bad = await check('POST', '/api/v1/vms', '/api/v1/vms', { host: 'hv-1' });
    expect(bad.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'name', message: 'is required' }] });
    const missing = await check('GET', '/api/v1/vms/hv-1/nope', '/api/v1/vms/:host/:vm');
    expect(missing.status).toBe(404);
  });

  it('of every other JSON route match their schemas too', async () => {
    await check('GET', '/api/v1/hosts/hv-1/vms', '/api/v1/hosts/:host/vms');
    await check('PUT', '/api/v1/vms/hv-1/db-1', '/api/v1/vms/:host/:vm', { state: 'running' });
    await check('DELETE', '/api/v1/vms/hv-1/db-1', '/api/v1/vms/:host/:vm');
    const long = await check('POST', '/api/v1/jobs', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 600_000 } });
    await check('POST', `/api/v1/jobs/${long.body.id}/cancel`, '/api/v1/jobs/:id/cancel');
    const n = await check('POST', '/api/v1/notifications', '/api/v1/notifications', {
      title: 'Pressure',
      message: 'Memory above 90%',
      level: 'warning',
      condition_key: 'host:hv-1:memory',
      actions: [{ label: 'Maintenance', kind: 'job', job_type: 'sleep', parameters: { duration_ms: 10 } }],
    });
    // Raised again: 200 with the same entry.
    expect(
      (await check('POST', '/api/v1/notifications', '/api/v1/notifications', { title: 'Pressure', message: 'Again', condition_key: 'host:hv-1:memory' }))
        .status,
    ).toBe(200);
    const id: string = n.body.id;
    await check('GET', `/api/v1/notifications/${id}`, '/api/v1/notifications/:id');
    await check('POST', `/api/v1/notifications/${id}/actions/0`, '/api/v1/notifications/:id/actions/:index');
    await check('PUT', `/api/v1/notifications/${id}/seen`, '/api/v1/notifications/:id/seen');
    await check('PUT', '/api/v1/notifications/seen', '/api/v1/notifications/seen', { ids: [id] });
    await check('PUT', `/api/v1/notifications/${id}/unread`, '/api/v1/notifications/:id/unread');
    await check('PUT', `/api/v1/notifications/${id}/snooze`, '/api/v1/notifications/:id/snooze', { minutes: 60 });
    await check('PUT', `/api/v1/notifications/${id}/unsnooze`, '/api/v1/notifications/:id/unsnooze');
    await check('PUT', `/api/v1/notifications/${id}/archive`, '/api/v1/notifications/:id/archive');
    await check('PUT', `/api/v1/notifications/${id}/unarchive`, '/api/v1/notifications/:id/unarchive');
    await check('PUT', '/api/v1/notifications/mark-all-read', '/api/v1/notifications/mark-all-read', {});
    await check('POST', '/api/v1/notifications/resolve', '/api/v1/notifications/resolve', { condition_key: 'host:hv-1:memory' });
    await check('DELETE', `/api/v1/notifications/${id}`, '/api/v1/notifications/:id');
    await check('GET', '/openapi.json', '/openapi.json');
    // The admin API (development auth is an admin; another user's access, since one's own is refused).
    await check('GET', '/api/v1/admin/connections?limit=5', '/api/v1/admin/connections');
    await check('POST', '/api/v1/admin/disconnect', '/api/v1/admin/disconnect', { user: 'nobody', reason: 'schema check' });
    await check('PUT', '/api/v1/admin/users/someone/access', '/api/v1/admin/users/:user/access', { revoked_roles: ['admin'], reason: 'schema check' });
    await check('GET', '/api/v1/admin/users/someone/access', '/api/v1/admin/users/:user/access');
    // Development auth has no token to give (the socket needs none): the documented 204.
    expect((await check('GET', '/auth/ws-token', '/auth/ws-token')).status).toBe(204);
  });

  it('were checked for every JSON operation of the document', () => {
    // Not JSON: the Prometheus text, the event stream and what only an open stream can call
    // (test/integration/sse.test.ts covers those).
    const elsewhere = ['GET /metrics', 'GET /sse', 'POST /sse/{clientId}/subscriptions'];
    const all = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(all.filter((key) => !checked.has(key) && !elsewhere.includes(key)).sort()).toEqual([]);
  });

  it('fail against a schema when they do not match (the check can fail)', () => {
    expect(() => expectMatches('GET', '/api/v1/vms/:host/:vm', 200, { id: 'x' })).toThrow();
  });
});
