/** Inventory: every endpoint, role checks on writes, versioned events, host notifications, snapshots and resume. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { connectClient, connectReady, type Msg, type TestClient } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ JOB_TICK_MS: '10' }, { authenticator: multiUserAuthenticator() });
});
afterAll(() => srv.close());

const as = (user: string) => ({ 'x-test-user': user });
const isInv = (m: Msg) => m.type === 'inventory';

async function inventoryClient(): Promise<{ client: TestClient; initial: Msg }> {
  const client = await connectClient(`${srv.wsUrl}?topics=inventory`);
  await client.next((m) => m.type === 'connection');
  return { client, initial: await client.next((m) => m.type === 'initial_state') };
}

describe('agent reports and reads', () => {
  it('PUT /hosts/{host} creates the cluster, host and VMs; every read endpoint shows them', async () => {
    const r = await api(srv.url, 'PUT', '/api/v1/hosts/hv-r1', {
      cluster_id: 'c-read',
      status: 'connected',
      cpu_cores: 16,
      memory_mb: 65536,
      cpu_usage_percent: 40,
      memory_usage_percent: 50,
      vms: [
        { name: 'a1', state: 'running', cpu_count: 2, memory_mb: 2048 },
        { name: 'a2', state: 'off' },
      ],
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: 'hv-r1', cluster_id: 'c-read', status: 'connected', cpu_cores: 16, version: 1, last_seen: expect.any(String) });
    expect(r.body.vms).toHaveLength(2);
    const inv = await api(srv.url, 'GET', '/api/v1/inventory');
    expect(inv.body.clusters).toContainEqual(expect.objectContaining({ id: 'c-read', version: 1 }));
    expect(inv.body.hosts).toContainEqual(expect.objectContaining({ id: 'hv-r1' }));
    expect(inv.body.vms).toContainEqual(
      expect.objectContaining({ id: 'hv-r1/a1', host_id: 'hv-r1', name: 'a1', state: 'running', cpu_count: 2, memory_mb: 2048, version: 1 }),
    );
    expect((await api(srv.url, 'GET', '/api/v1/hosts')).body.hosts.map((h: { id: string }) => h.id)).toContain('hv-r1');
    expect((await api(srv.url, 'GET', '/api/v1/hosts/hv-r1/vms')).body.vms.map((v: { name: string }) => v.name)).toEqual(['a1', 'a2']);
    const running = (await api(srv.url, 'GET', '/api/v1/vms?state=running')).body.vms as { id: string; state: string }[];
    expect(running.every((v) => v.state === 'running')).toBe(true);
    expect(running.map((v) => v.id)).toContain('hv-r1/a1');
    expect((await api(srv.url, 'GET', '/api/v1/vms')).body.vms.map((v: { id: string }) => v.id)).toContain('hv-r1/a2');
    expect((await api(srv.url, 'GET', '/api/v1/vms/hv-r1/a2')).body).toMatchObject({ id: 'hv-r1/a2', state: 'off', cpu_count: 1 });
  });

  it('answers 404 for unknown hosts and VMs, 400 for bad input', async () => {
    expect((await api(srv.url, 'GET', '/api/v1/hosts/nope/vms')).status).toBe(404);
    expect((await api(srv.url, 'GET', '/api/v1/vms/nope/x')).body).toMatchObject({ code: 'not_found' });
    expect((await api(srv.url, 'PUT', '/api/v1/vms/nope/x', { state: 'off' })).status).toBe(404);
    expect((await api(srv.url, 'DELETE', '/api/v1/vms/hv-r1/none')).status).toBe(404);
    expect((await api(srv.url, 'POST', '/api/v1/vms', { host: 'nope', name: 'x' })).status).toBe(404);
    const bad = await api(srv.url, 'PUT', '/api/v1/hosts/hv-bad', { status: 'exploded', cpu_cores: -1, vms: [{ name: 'bad name!' }], extra: 1 });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['cpu_cores', 'extra', 'status', 'vms[0].name']);
    expect((await api(srv.url, 'PUT', '/api/v1/hosts/bad%20name', {})).status).toBe(400);
    expect((await api(srv.url, 'GET', '/api/v1/vms?state=melting')).status).toBe(400);
    expect((await api(srv.url, 'PUT', '/api/v1/vms/hv-r1/a1', { state: 'flying' })).status).toBe(400);
  });
});

describe('writes need the writer role', () => {
  it('answers 403 {detail: "requires role admin", code: "forbidden"} to a principal without admin, and changes nothing', async () => {
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-role', { vms: [{ name: 'v' }] });
    const viewer = as('viewer-1');
    const writes = [
      ['PUT', '/api/v1/hosts/hv-role', { status: 'maintenance' }],
      ['POST', '/api/v1/vms', { host: 'hv-role', name: 'w' }],
      ['PUT', '/api/v1/vms/hv-role/v', { state: 'running' }],
      ['DELETE', '/api/v1/vms/hv-role/v', undefined],
      ['POST', '/api/v1/jobs', { type: 'sleep' }],
      ['POST', '/api/v1/jobs/00000000-0000-0000-0000-000000000000/cancel', undefined],
    ] as const;
    for (const [method, path, body] of writes) {
      const r = await api(srv.url, method, path, body, viewer);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body).toEqual({ detail: 'requires role admin', code: 'forbidden' });
    }
    expect((await api(srv.url, 'GET', '/api/v1/hosts/hv-role/vms', undefined, viewer)).body.vms).toMatchObject([{ name: 'v', state: 'off', version: 1 }]);
    expect((await api(srv.url, 'GET', '/api/v1/inventory', undefined, viewer)).status).toBe(200);
    expect((await api(srv.url, 'GET', '/api/v1/jobs', undefined, viewer)).status).toBe(200);
  });
});

describe('inventory events', () => {
  it('each change is one event with kind, id, version, changed fields and the entity', async () => {
    const { client } = await inventoryClient();
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-e1', { cluster_id: 'c-events', cpu_cores: 8 });
    const cluster = await client.next(isInv);
    expect(cluster).toMatchObject({
      action: 'created',
      topic: 'inventory',
      data: { kind: 'cluster', id: 'c-events', version: 1, entity: { id: 'c-events', name: 'c-events' } },
    });
    const host = await client.next(isInv);
    expect(host).toMatchObject({
      action: 'created',
      offset: (cluster.offset as number) + 1,
      data: { kind: 'host', id: 'hv-e1', version: 1, changes: { cpu_cores: 8, status: 'connected' }, entity: { cpu_cores: 8 } },
    });

    const created = await api(srv.url, 'POST', '/api/v1/vms', { host: 'hv-e1', name: 'vm1', cpu_count: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'hv-e1/vm1', state: 'off', cpu_count: 2, version: 1 });
    expect(await client.next(isInv)).toMatchObject({ action: 'created', data: { kind: 'vm', id: 'hv-e1/vm1', version: 1 } });
    expect((await api(srv.url, 'POST', '/api/v1/vms', { host: 'hv-e1', name: 'vm1' })).status).toBe(409);

    const updated = await api(srv.url, 'PUT', '/api/v1/vms/hv-e1/vm1', { state: 'running' });
    expect(updated.body).toMatchObject({ state: 'running', version: 2 });
    const upd = await client.next(isInv);
    expect(upd).toMatchObject({
      action: 'updated',
      data: { kind: 'vm', id: 'hv-e1/vm1', version: 2, changes: { state: 'running' }, entity: { state: 'running', cpu_count: 2 } },
    });
    expect(Object.keys((upd.data as { changes: object }).changes)).toEqual(['state']);

    await api(srv.url, 'PUT', '/api/v1/vms/hv-e1/vm1', { state: 'running' });
    expect((await api(srv.url, 'DELETE', '/api/v1/vms/hv-e1/vm1')).status).toBe(204);
    expect(await client.next(isInv)).toMatchObject({
      action: 'deleted',
      data: { kind: 'vm', id: 'hv-e1/vm1', version: 3, changes: {}, entity: { state: 'running' } },
    });
    await client.expectNone(isInv, 100);
    await client.close();
  });

  it('a report with a VM list removes the VMs it no longer lists; a heartbeat-only report is silent', async () => {
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-e2', { vms: [{ name: 'keep' }, { name: 'drop' }] });
    const { client } = await inventoryClient();
    const before = (await api(srv.url, 'GET', '/api/v1/hosts')).body.hosts.find((h: { id: string }) => h.id === 'hv-e2');
    await new Promise((r) => setTimeout(r, 5));
    const same = await api(srv.url, 'PUT', '/api/v1/hosts/hv-e2', { vms: [{ name: 'keep' }] });
    expect(same.status).toBe(200);
    expect(same.body.vms.map((v: { name: string }) => v.name)).toEqual(['keep']);
    expect(await client.next(isInv)).toMatchObject({ action: 'deleted', data: { kind: 'vm', id: 'hv-e2/drop' } });
    await client.expectNone(isInv, 100);
    expect(same.body.version).toBe(before.version);
    expect(same.body.last_seen > before.last_seen).toBe(true);
    const beat = await api(srv.url, 'PUT', '/api/v1/hosts/hv-e2');
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ id: 'hv-e2', version: before.version });
    await client.expectNone(isInv, 100);
    await client.close();
  });

  it('a host going disconnected raises an error notification, coming back an info one', async () => {
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-n1', { status: 'connected' });
    const { client } = await connectReady(`${srv.wsUrl}?topics=notifications,inventory`);
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-n1', { status: 'disconnected' });
    expect(await client.next(isInv)).toMatchObject({ action: 'updated', data: { id: 'hv-n1', changes: { status: 'disconnected' } } });
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({
      action: 'created',
      data: { level: 'error', category: 'host', title: 'Host hv-n1 disconnected', related_entity: { type: 'host', id: 'hv-n1' } },
    });
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-n1', { status: 'connected' });
    // Coming back resolves the disconnect's condition first, then says so.
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ action: 'resolved', data: { condition_key: 'host:hv-n1:unreachable' } });
    expect(await client.next((m) => m.type === 'notification')).toMatchObject({ data: { level: 'info', title: 'Host hv-n1 reconnected' } });
    await client.close();
  });
});

describe('inventory snapshots and resume', () => {
  it('subscribing brings initial_state.data.inventory at the position of the last event', async () => {
    const { client } = await connectReady(srv.wsUrl);
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-s1', { vms: [{ name: 's' }] });
    client.send({ type: 'subscribe', topics: ['inventory'] });
    expect(await client.next()).toMatchObject({ type: 'subscription', status: 'subscribed', topics: ['inventory'] });
    const initial = await client.next();
    expect(initial.type).toBe('initial_state');
    const data = initial.data as { inventory: { clusters: unknown[]; hosts: { id: string; version: number }[]; vms: { id: string }[] } };
    expect(data.inventory.hosts).toContainEqual(expect.objectContaining({ id: 'hv-s1', version: 1 }));
    expect(data.inventory.vms).toContainEqual(expect.objectContaining({ id: 'hv-s1/s' }));
    const position = (initial.positions as Record<string, { offset: number; epoch: string }>).inventory;
    expect(position?.offset).toBeGreaterThan(0);
    await api(srv.url, 'PUT', '/api/v1/vms/hv-s1/s', { state: 'paused' });
    expect(await client.next(isInv)).toMatchObject({ offset: (position?.offset ?? 0) + 1, data: { id: 'hv-s1/s', version: 2 } });
    await client.close();
  });

  it('resume replays the inventory events a client missed, in order', async () => {
    const { client, initial } = await inventoryClient();
    const position = (initial.positions as Record<string, { offset: number; epoch: string }>).inventory as { offset: number; epoch: string };
    await client.close();
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-s2', { vms: [{ name: 'r1' }, { name: 'r2' }] });
    const back = await connectClient(`${srv.wsUrl}?topics=&resume=${encodeURIComponent(JSON.stringify({ inventory: position }))}`);
    const resumed = await back.next((m) => m.type === 'resumed');
    expect(resumed).toMatchObject({ topic: 'inventory', recovered: true });
    const replayed: Msg[] = [];
    for (let i = 0; i < (resumed.replayed as number); i++) replayed.push(await back.next(isInv));
    expect(replayed.map((m) => m.offset)).toEqual(replayed.map((_, i) => position.offset + i + 1));
    expect(replayed.map((m) => (m.data as { id: string }).id)).toEqual(expect.arrayContaining(['hv-s2', 'hv-s2/r1', 'hv-s2/r2']));
    await back.close();
  });
});

describe('host topics: inventory:<host>', () => {
  type Inv = { clusters: { id: string }[]; hosts: { id: string }[]; vms: { id: string }[] };
  const ids = (inv: Inv) => ({
    clusters: inv.clusters.map((c) => c.id).sort(),
    hosts: inv.hosts.map((h) => h.id).sort(),
    vms: inv.vms.map((v) => v.id).sort(),
  });

  beforeAll(async () => {
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-t1', { cluster_id: 'c-t', vms: [{ name: 'x' }, { name: 'y' }] });
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-t2', { cluster_id: 'c-t2', vms: [{ name: 'z' }] });
  });

  it('snapshot holds just that host, its VMs and its cluster; events of other hosts do not arrive', async () => {
    const client = await connectClient(`${srv.wsUrl}?topics=inventory:hv-t1`);
    const initial = await client.next((m) => m.type === 'initial_state');
    expect(ids((initial.data as { inventory: Inv }).inventory)).toEqual({ clusters: ['c-t'], hosts: ['hv-t1'], vms: ['hv-t1/x', 'hv-t1/y'] });
    const position = (initial.positions as Record<string, { offset: number }>).inventory?.offset as number;
    await api(srv.url, 'PUT', '/api/v1/vms/hv-t2/z', { state: 'paused' });
    await api(srv.url, 'PUT', '/api/v1/vms/hv-t1/x', { state: 'paused' });
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-t1', { cpu_usage_percent: 77 });
    expect(await client.next(isInv)).toMatchObject({ topic: 'inventory', offset: position + 2, data: { id: 'hv-t1/x', changes: { state: 'paused' } } });
    expect(await client.next(isInv)).toMatchObject({ offset: position + 3, data: { id: 'hv-t1', changes: { cpu_usage_percent: 77 } } });
    await client.expectNone(isInv, 100);
    await client.close();
  });

  it('a second host topic, then the family, each bring a snapshot of everything now covered', async () => {
    const client = await connectClient(`${srv.wsUrl}?topics=inventory:hv-t1`);
    await client.next((m) => m.type === 'initial_state');
    client.send({ type: 'subscribe', topics: ['inventory:hv-t2'] });
    await client.next((m) => m.type === 'subscription');
    const both = await client.next((m) => m.type === 'initial_state');
    expect(ids((both.data as { inventory: Inv }).inventory)).toEqual({
      clusters: ['c-t', 'c-t2'],
      hosts: ['hv-t1', 'hv-t2'],
      vms: ['hv-t1/x', 'hv-t1/y', 'hv-t2/z'],
    });
    await api(srv.url, 'PUT', '/api/v1/vms/hv-t2/z', { state: 'running' });
    expect(await client.next(isInv)).toMatchObject({ data: { id: 'hv-t2/z', changes: { state: 'running' } } });
    // Already covered: no new snapshot.
    client.send({ type: 'subscribe', topics: ['inventory:hv-t1'] });
    await client.next((m) => m.type === 'subscription');
    client.send({ type: 'subscribe', topics: ['inventory'] });
    await client.next((m) => m.type === 'subscription');
    const all = await client.next((m) => m.type === 'initial_state');
    expect(ids((all.data as { inventory: Inv }).inventory).hosts).toEqual(expect.arrayContaining(['hv-t1', 'hv-t2', 'hv-s1', 'hv-s2']));
    expect(client.received.filter((m) => m.type === 'initial_state')).toHaveLength(3);
    // On the family and both hosts: each event once.
    await api(srv.url, 'PUT', '/api/v1/vms/hv-t1/y', { state: 'paused' });
    await api(srv.url, 'PUT', '/api/v1/vms/hv-s1/s', { state: 'running' });
    const a = await client.next(isInv);
    const b = await client.next(isInv);
    expect([(a.data as { id: string }).id, (b.data as { id: string }).id]).toEqual(['hv-t1/y', 'hv-s1/s']);
    expect(b.offset).toBe((a.offset as number) + 1);
    await client.expectNone(isInv, 100);
    await client.close();
  });

  it('resuming on a host topic replays just that host', async () => {
    const client = await connectClient(`${srv.wsUrl}?topics=inventory:hv-t2`);
    const initial = await client.next((m) => m.type === 'initial_state');
    const position = (initial.positions as Record<string, { offset: number; epoch: string }>).inventory;
    await client.close();
    await api(srv.url, 'PUT', '/api/v1/vms/hv-t1/x', { state: 'running' });
    await api(srv.url, 'PUT', '/api/v1/vms/hv-t2/z', { state: 'paused' });
    const back = await connectClient(`${srv.wsUrl}?topics=inventory:hv-t2&resume=${encodeURIComponent(JSON.stringify({ inventory: position }))}`);
    expect(await back.next((m) => m.type === 'resumed')).toMatchObject({ topic: 'inventory', recovered: true, replayed: 1 });
    expect(await back.next(isInv)).toMatchObject({ data: { id: 'hv-t2/z', changes: { state: 'paused' } } });
    await api(srv.url, 'PUT', '/api/v1/vms/hv-t1/x', { state: 'paused' });
    await back.expectNone(isInv, 100);
    await back.close();
  });
});

describe('stale hosts (HOST_STALE_AFTER_MS)', () => {
  it('a connected host that stops reporting is marked disconnected and raises the error notification', async () => {
    const own = await startInProcess({ HOST_STALE_AFTER_MS: '150' });
    try {
      await api(own.url, 'PUT', '/api/v1/hosts/hv-quiet', { status: 'connected' });
      const { client } = await connectReady(`${own.wsUrl}?topics=notifications,inventory`);
      expect(await client.next((m) => m.type === 'inventory', 3000)).toMatchObject({
        action: 'updated',
        data: { id: 'hv-quiet', changes: { status: 'disconnected' } },
      });
      expect(await client.next((m) => m.type === 'notification')).toMatchObject({ data: { level: 'error', title: 'Host hv-quiet disconnected' } });
      await client.close();
    } finally {
      await own.close();
    }
  });
});
