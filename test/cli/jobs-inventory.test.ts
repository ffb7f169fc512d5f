/**
 * `jobs` and `inventory` against a stub HTTP server that answers with the documented shapes
 * (docs/PROTOCOL.md "Job events" / "Inventory events", README REST table), and with 404 as a
 * server without those endpoints does. Tests against the real endpoints come with them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const T = '2026-01-01T10:00:00.000Z';
const JOBS = {
  jobs: [
    {
      id: '7d0c1a2b-0000-4000-8000-000000000001',
      type: 'backup',
      status: 'running',
      progress: 37,
      parameters: { host: 'hv-01', password: '[REDACTED]' },
      created_by: 'alice',
      created_at: T,
      started_at: T,
      finished_at: null,
      updated_at: T,
      error: null,
      output_count: 2,
      version: 4,
    },
    {
      id: '7d0c1a2b-0000-4000-8000-000000000002',
      type: 'fail',
      status: 'failed',
      progress: 100,
      parameters: {},
      created_by: 'api-token',
      created_at: T,
      started_at: T,
      finished_at: T,
      updated_at: T,
      error: 'disk \u001b[31mfull',
      output_count: 0,
      version: 3,
    },
  ],
  next_cursor: 'abc',
};
const INVENTORY = {
  clusters: [{ id: 'prod', name: 'prod', version: 1, created_at: T, updated_at: T }],
  hosts: [
    {
      id: 'hv-02',
      cluster_id: 'prod',
      status: 'disconnected',
      last_seen: T,
      cpu_cores: 32,
      memory_mb: 262144,
      cpu_usage_percent: 0,
      memory_usage_percent: 0,
      version: 2,
      created_at: T,
      updated_at: T,
    },
    {
      id: 'hv-01',
      cluster_id: null,
      status: 'connected',
      last_seen: null,
      cpu_cores: 16,
      memory_mb: 131072,
      cpu_usage_percent: 12,
      memory_usage_percent: 40,
      version: 1,
      created_at: T,
      updated_at: T,
    },
  ],
  vms: [
    { id: 'hv-01/web-01', host_id: 'hv-01', name: 'web-01', state: 'running', cpu_count: 4, memory_mb: 8192, version: 4, created_at: T, updated_at: T },
    { id: 'hv-01/db-01', host_id: 'hv-01', name: 'db-01', state: 'off', cpu_count: 8, memory_mb: 32768, version: 1, created_at: T, updated_at: T },
  ],
};

function stub(routes: Record<string, unknown>): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    const body = routes[(req.url ?? '').split('?')[0] ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { detail: `no route for ${req.method} ${req.url}`, code: 'not_found' }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

let full: Awaited<ReturnType<typeof stub>>;
let bare: Awaited<ReturnType<typeof stub>>;
beforeAll(async () => {
  full = await stub({ '/api/v1/jobs': JOBS, '/api/v1/inventory': INVENTORY });
  bare = await stub({});
});
afterAll(async () => {
  await full?.close();
  await bare?.close();
});

describe('jobs', () => {
  it('prints a table, sends the filters and the token, and says when there are more', async () => {
    const r = await runCli(['jobs', '--status', 'running', '--limit', '2', '--token', 'tok-123'], { env: { AETHER_URL: full.url } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +TYPE +STATUS +PROGRESS +CREATED +BY +ERROR$/);
    expect(lines[1]).toMatch(/^7d0c1a2b-0000-4000-8000-000000000001 +backup +running +37% +2026-01-01 10:00:00 +alice$/);
    expect(lines[2]).toContain('disk ?[31mfull');
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stderr).toBe('aether-v: more jobs than --limit 2\n');
    expect(full.requests.at(-1)).toBe('GET /api/v1/jobs?limit=2&status=running Bearer tok-123');
  });

  it('--json prints the answer as is', async () => {
    const r = await runCli(['jobs', '--json'], { env: { AETHER_URL: full.url } });
    expect(JSON.parse(r.stdout)).toEqual(JOBS);
  });

  it('a server without the endpoint: one line, exit 1', async () => {
    const r = await runCli(['jobs'], { env: { AETHER_URL: bare.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`aether-v: this server has no /api/v1/jobs (404): the endpoint is not available on ${bare.url}; it may run an older version\n`);
  });
});

describe('inventory', () => {
  it('prints hosts and VMs as tables, sorted', async () => {
    const r = await runCli(['inventory'], { env: { AETHER_URL: full.url } });
    expect(r.code).toBe(0);
    const [hosts, vms] = r.stdout.split('\n\n');
    expect(hosts?.split('\n')).toEqual([
      expect.stringMatching(/^HOST +CLUSTER +STATUS +VMS +CPU +MEMORY +LAST SEEN$/),
      expect.stringMatching(/^hv-01 +- +connected +2 +16 \(12%\) +128\.0 GiB \(40%\) +never$/),
      expect.stringMatching(/^hv-02 +prod +disconnected +0 +32 \(0%\) +256\.0 GiB \(0%\) +2026-01-01 10:00:00$/),
    ]);
    expect(vms?.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^VM +HOST +STATE +CPU +MEMORY$/),
      expect.stringMatching(/^db-01 +hv-01 +off +8 +32\.0 GiB$/),
      expect.stringMatching(/^web-01 +hv-01 +running +4 +8\.0 GiB$/),
    ]);
  });

  it('--vms only the VMs; --json the answer', async () => {
    const v = await runCli(['inventory', '--vms'], { env: { AETHER_URL: full.url } });
    expect(v.stdout.startsWith('VM ')).toBe(true);
    const j = await runCli(['inventory', '--json'], { env: { AETHER_URL: full.url } });
    expect(JSON.parse(j.stdout)).toEqual(INVENTORY);
  });

  it('a server without the endpoint: one line, exit 1', async () => {
    const r = await runCli(['inventory'], { env: { AETHER_URL: bare.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^aether-v: this server has no \/api\/v1\/inventory \(404\)[^\n]*\n$/);
  });
});

describe('jobs without errors', () => {
  it('leaves out the ERROR column', async () => {
    const ok = await stub({ '/api/v1/jobs': { jobs: [JOBS.jobs[0]], next_cursor: null } });
    try {
      const r = await runCli(['jobs'], { env: { AETHER_URL: ok.url } });
      expect(r.stdout.split('\n')[0]).toMatch(/^ID +TYPE +STATUS +PROGRESS +CREATED +BY$/);
      expect(r.stderr).toBe('');
    } finally {
      await ok.close();
    }
  });
});
