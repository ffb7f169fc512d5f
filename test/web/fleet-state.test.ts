import { describe, expect, it } from 'vitest';
import type { Host, InventoryEventData, Job, JobOutputLine, Vm } from '../../src/protocol/index.js';
import { countBy, createInventoryStore, groupHosts } from '../../src/web/inventory-state.js';
import { createJobsStore, jobTitle, mergeLines } from '../../src/web/jobs-state.js';
import { parseParameters } from '../../src/web/job-form.js';
import { parseRoute } from '../../src/web/router.js';
import { formatMemory } from '../../src/web/inventory-view.js';

const AT = '2026-01-01T00:00:00.000Z';
const host = (id: string, version: number, extra: Partial<Host> = {}): Host => ({
  id,
  cluster_id: null,
  status: 'connected',
  last_seen: AT,
  cpu_cores: 8,
  memory_mb: 1024,
  cpu_usage_percent: 0,
  memory_usage_percent: 0,
  version,
  created_at: AT,
  updated_at: AT,
  ...extra,
});
const vm = (hostId: string, name: string, version: number, state: Vm['state'] = 'off'): Vm => ({
  id: `${hostId}/${name}`,
  host_id: hostId,
  name,
  state,
  cpu_count: 1,
  memory_mb: 512,
  version,
  created_at: AT,
  updated_at: AT,
});
const ev = (entity: Host | Vm, kind: 'host' | 'vm' = 'host_id' in entity ? 'vm' : 'host'): InventoryEventData => ({
  kind,
  id: entity.id,
  version: entity.version,
  changes: {},
  entity,
});

describe('inventory state', () => {
  it('replaces on a snapshot and applies only events newer than what it holds', () => {
    const store = createInventoryStore();
    let changes = 0;
    store.onChange(() => void (changes += 1));
    expect(store.state().loaded).toBe(false);
    store.replace({ clusters: [], hosts: [host('hv-1', 3)], vms: [vm('hv-1', 'a', 2)] });
    expect(store.state().loaded).toBe(true);

    expect(store.apply('updated', ev(vm('hv-1', 'a', 2, 'running')))).toBe(false); // same version
    expect(store.apply('updated', ev(vm('hv-1', 'a', 1, 'paused')))).toBe(false); // older
    expect(store.state().vms.get('hv-1/a')?.state).toBe('off');
    expect(store.apply('updated', ev(vm('hv-1', 'a', 3, 'running')))).toBe(true);
    expect(store.state().vms.get('hv-1/a')?.state).toBe('running');

    expect(store.apply('updated', ev(host('hv-1', 4, { status: 'disconnected' })))).toBe(true);
    expect(store.state().hosts.get('hv-1')?.status).toBe('disconnected');
    expect(store.apply('created', ev(host('hv-2', 1)))).toBe(true);
    expect(changes).toBe(4);

    // deleted carries the last version + 1; a stale delete is ignored, an unknown one changes nothing.
    expect(store.apply('deleted', ev(vm('hv-1', 'a', 3)))).toBe(false);
    expect(store.apply('deleted', ev(vm('hv-1', 'a', 4)))).toBe(true);
    expect(store.state().vms.has('hv-1/a')).toBe(false);
    expect(store.apply('deleted', ev(vm('hv-1', 'zz', 9)))).toBe(false);
    // A VM re-created under the same name starts again at version 1.
    expect(store.apply('created', ev(vm('hv-1', 'a', 1, 'starting')))).toBe(true);
    expect(store.state().vms.get('hv-1/a')?.state).toBe('starting');

    store.replace({ clusters: [], hosts: [], vms: [] });
    expect(store.state().hosts.size).toBe(0);
  });

  it('groups hosts by cluster, with hosts in no known cluster last, everything by name', () => {
    const store = createInventoryStore();
    store.replace({
      clusters: [
        { id: 'west', name: 'west', version: 1, created_at: AT, updated_at: AT },
        { id: 'east', name: 'east', version: 1, created_at: AT, updated_at: AT },
      ],
      hosts: [host('hv-3', 1, { cluster_id: 'east' }), host('hv-1', 1, { cluster_id: 'east' }), host('lone', 1), host('ghost', 1, { cluster_id: 'gone' })],
      vms: [vm('hv-1', 'b', 1), vm('hv-1', 'a', 1, 'running')],
    });
    const groups = groupHosts(store.state());
    expect(groups.map((g) => [g.cluster?.id ?? null, g.hosts.map((x) => x.host.id)])).toEqual([
      ['east', ['hv-1', 'hv-3']],
      ['west', []],
      [null, ['ghost', 'lone']],
    ]);
    expect(groups[0]?.hosts[0]?.vms.map((v) => v.name)).toEqual(['a', 'b']);
    expect([...countBy(store.state().vms.values(), (v) => v.state)]).toEqual([
      ['off', 1],
      ['running', 1],
    ]);
  });

  it('formats memory', () => {
    expect([formatMemory(512), formatMemory(1024), formatMemory(1536), formatMemory(131072), formatMemory(2 * 1024 * 1024)]).toEqual([
      '512 MiB',
      '1 GiB',
      '1.5 GiB',
      '128 GiB',
      '2 TiB',
    ]);
  });
});

const job = (id: string, version: number, extra: Partial<Job> = {}): Job => ({
  id,
  type: 'sleep',
  status: 'running',
  progress: 0,
  parameters: {},
  created_by: 'u',
  created_at: `2026-01-01T00:00:0${id.slice(-1)}.000Z`,
  started_at: null,
  finished_at: null,
  updated_at: AT,
  error: null,
  output_count: 0,
  version,
  ...extra,
});
const line = (seq: number): JobOutputLine => ({ seq, text: `line ${seq}`, at: AT });

describe('jobs state', () => {
  it('keeps jobs newest first and applies only newer versions', () => {
    const store = createJobsStore();
    store.replace([job('j1', 1), job('j3', 2)]);
    expect(store.put(job('j2', 1))).toBe(true);
    expect(store.state().jobs.map((j) => j.id)).toEqual(['j3', 'j2', 'j1']);
    expect(store.put(job('j3', 5, { progress: 50 }))).toBe(true);
    expect(store.put(job('j3', 4, { progress: 40 }))).toBe(false);
    expect(store.put(job('j3', 5, { progress: 45 }))).toBe(false);
    expect(store.get('j3')?.progress).toBe(50);
    expect(store.remove('j3', 5)).toBe(false);
    expect(store.remove('j3', 6)).toBe(true);
    expect(store.remove('nope', 9)).toBe(false);
    expect(store.state().jobs.map((j) => j.id)).toEqual(['j2', 'j1']);
  });

  it('keeps every unfinished job, the open one, and only the newest finished ones', () => {
    const store = createJobsStore(2);
    store.replace([1, 2, 3, 4, 5].map((i) => job(`j${i}`, 1, { status: i === 1 ? 'running' : 'completed' })));
    expect(store.state().jobs.map((j) => j.id)).toEqual(['j5', 'j4', 'j1']);
    store.open('j3');
    expect(store.put(job('j3', 2, { status: 'completed' }))).toBe(true);
    expect(store.state().jobs.map((j) => j.id)).toEqual(['j5', 'j4', 'j3', 'j1']);
  });

  it('collects the open job output by seq, whatever the order of REST pages and events', () => {
    const store = createJobsStore();
    store.addLines('j1', [line(1)]); // nothing is open
    expect(store.state().lines).toEqual([]);
    store.open('j1');
    store.addLines('j1', [line(4), line(5)]); // live lines before the REST answer
    store.addLines('j2', [line(1)]); // another job
    store.addLines('j1', [line(1), line(2), line(3), line(4)]);
    store.addLines('j1', [line(5), line(6)]);
    expect(store.state().lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(store.lastSeq()).toBe(6);
    store.open('j2');
    expect(store.state().lines).toEqual([]);
    expect(store.lastSeq()).toBe(0);
    expect(mergeLines([line(1), line(2)], [line(3)]).map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(mergeLines([line(3)], [line(2), line(3)]).map((l) => l.seq)).toEqual([2, 3]);
  });

  it('names jobs by what they act on', () => {
    expect(jobTitle(job('j1', 1, { type: 'vm.start', parameters: { host: 'hv', vm: 'web' } }))).toBe('Start VM hv/web');
    expect(jobTitle(job('j1', 1, { type: 'host.maintenance', parameters: { host: 'hv', enable: false } }))).toBe('End maintenance on hv');
    expect(jobTitle(job('j1', 1, { type: 'sleep', parameters: { duration_ms: 5 } }))).toBe('Sleep 5 ms');
    expect(jobTitle(job('j1', 1, { type: 'custom.thing' }))).toBe('custom.thing');
  });
});

describe('routes and the job form', () => {
  it('parses hash routes, anything unknown being home', () => {
    expect(parseRoute('')).toEqual({ view: 'home', jobId: null, params: {} });
    expect(parseRoute('#/')).toEqual({ view: 'home', jobId: null, params: {} });
    expect(parseRoute('#/inventory')).toEqual({ view: 'inventory', jobId: null, params: {} });
    expect(parseRoute('#/jobs')).toEqual({ view: 'jobs', jobId: null, params: {} });
    expect(parseRoute('#/jobs/7d0c-1')).toEqual({ view: 'jobs', jobId: '7d0c-1', params: {} });
    expect(parseRoute('#/jobs/%3Cscript%3E')).toEqual({ view: 'jobs', jobId: null, params: {} });
    expect(parseRoute('#/jobs/%E0%A4%A')).toEqual({ view: 'jobs', jobId: null, params: {} });
    expect(parseRoute('#/inventory/x')).toEqual({ view: 'home', jobId: null, params: {} });
    expect(parseRoute('#/elsewhere')).toEqual({ view: 'home', jobId: null, params: {} });
    expect(parseRoute('#/inventory?q=web&state=running')).toEqual({ view: 'inventory', jobId: null, params: { q: 'web', state: 'running' } });
    expect(parseRoute('#/jobs/7d0c-1?status=failed')).toEqual({ view: 'jobs', jobId: '7d0c-1', params: { status: 'failed' } });
  });

  it('reads job parameters as a JSON object', () => {
    expect(parseParameters('')).toEqual({});
    expect(parseParameters('{"duration_ms": 5}')).toEqual({ duration_ms: 5 });
    expect(parseParameters('[1]')).toMatch(/JSON object/);
    expect(parseParameters('{nope')).toMatch(/not valid JSON/);
  });
});
