/** Jobs: REST, the runner's lifecycle, versioned events, exactly-once delivery, notifications, snapshots, resume, secret redaction. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { multiUserAuthenticator } from '../helpers/users.js';
import { connectClient, type Msg, type TestClient } from '../helpers/ws-client.js';

let srv: Running;
beforeAll(async () => {
  srv = await startInProcess({ JOB_TICK_MS: '10' }, { authenticator: multiUserAuthenticator() });
});
afterAll(() => srv.close());

type JobMsg = Msg & {
  action: string;
  offset: number;
  data: { id: string; version?: number; job?: { status: string; progress: number; version: number }; lines?: { seq: number; text: string }[] };
};

const createJob = (type: string, parameters?: object) => api(srv.url, 'POST', '/api/v1/jobs', parameters === undefined ? { type } : { type, parameters });

async function subscribed(topics: string): Promise<TestClient> {
  const client = await connectClient(`${srv.wsUrl}?topics=${topics}`);
  await client.next((m) => m.type === 'initial_state');
  return client;
}

/** Collects `job` events of one job until it reaches a final status. */
async function untilFinal(client: TestClient, id: string): Promise<JobMsg[]> {
  const events: JobMsg[] = [];
  for (;;) {
    const m = (await client.next((x) => x.type === 'job' && (x.data as { id: string }).id === id)) as JobMsg;
    events.push(m);
    if (m.action !== 'output' && ['completed', 'failed', 'cancelled'].includes(m.data.job?.status ?? '')) return events;
  }
}

async function waitStatus(id: string, status: string): Promise<Record<string, any>> {
  for (let i = 0; i < 200; i++) {
    const job = (await api(srv.url, 'GET', `/api/v1/jobs/${id}`)).body;
    if (job.status === status) return job;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${id} never reached ${status}`);
}

describe('job lifecycle', () => {
  it('a sleep job goes pending → running → completed with rising progress, versions and output', async () => {
    const client = await subscribed('jobs');
    const r = await createJob('sleep', { duration_ms: 50 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: expect.any(String),
      type: 'sleep',
      status: 'pending',
      progress: 0,
      version: 1,
      created_by: 'alice',
      parameters: { duration_ms: 50 },
      output_count: 0,
    });
    const events = await untilFinal(client, r.body.id);
    expect(events[0]).toMatchObject({ action: 'created', topic: 'jobs', data: { id: r.body.id, version: 1, job: { status: 'pending' } } });
    const updates = events.filter((e) => e.action === 'updated');
    expect(updates.map((e) => e.data.job?.status)).toEqual(['running', ...updates.slice(1, -1).map(() => 'running'), 'completed']);
    const progress = updates.map((e) => e.data.job?.progress ?? -1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toBe(100);
    const versions = events.filter((e) => e.action !== 'output').map((e) => e.data.version as number);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const offsets = events.map((e) => e.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    const lines = events.filter((e) => e.action === 'output').flatMap((e) => e.data.lines ?? []);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    const got = await api(srv.url, 'GET', `/api/v1/jobs/${r.body.id}`);
    expect(got.body).toMatchObject({
      status: 'completed',
      progress: 100,
      output_count: lines.length,
      started_at: expect.any(String),
      finished_at: expect.any(String),
      error: null,
    });
    expect(got.body.output.map((l: { text: string }) => l.text)).toEqual(lines.map((l) => l.text));
    expect(got.body.output.at(-1).text).toBe('Completed');
    const after = await api(srv.url, 'GET', `/api/v1/jobs/${r.body.id}/output?after=1`);
    expect(after.body.lines.map((l: { seq: number }) => l.seq)).toEqual(lines.slice(1).map((l) => l.seq));
    await client.close();
  });

  it('lists jobs newest first, filters by status, pages with a cursor, and lists job types', async () => {
    const a = await createJob('sleep', { duration_ms: 0 });
    const b = await createJob('sleep', { duration_ms: 0 });
    await waitStatus(b.body.id, 'completed');
    const list = await api(srv.url, 'GET', '/api/v1/jobs?limit=2');
    expect(list.body.jobs.map((j: { id: string }) => j.id)).toEqual([b.body.id, a.body.id]);
    expect(list.body.next_cursor).toEqual(expect.any(String));
    const next = await api(srv.url, 'GET', `/api/v1/jobs?limit=2&cursor=${list.body.next_cursor}`);
    expect(next.body.jobs.map((j: { id: string }) => j.id)).not.toContain(b.body.id);
    const completed = await api(srv.url, 'GET', '/api/v1/jobs?status=completed&limit=500');
    expect(completed.body.jobs.every((j: { status: string }) => j.status === 'completed')).toBe(true);
    expect((await api(srv.url, 'GET', '/api/v1/jobs?status=done')).status).toBe(400);
    const types = (await api(srv.url, 'GET', '/api/v1/jobs/types')).body.types.map((t: { name: string }) => t.name);
    expect(types).toEqual(expect.arrayContaining(['vm.start', 'vm.stop', 'host.maintenance', 'backup', 'sleep', 'fail']));
  });

  it('honours Idempotency-Key: a retried create returns the first job and starts nothing new', async () => {
    const headers = { 'idempotency-key': 'start-web-7' };
    const first = await api(srv.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 0 } }, headers);
    const again = await api(srv.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 0 } }, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await api(srv.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 0 } }, { ...headers, 'x-test-user': 'bob' });
    expect(other.body.id).not.toBe(first.body.id);
    expect((await api(srv.url, 'POST', '/api/v1/jobs', { type: 'sleep' }, { 'idempotency-key': 'a b' })).status).toBe(400);
  });

  it('validates type and parameters, and answers 404 for unknown jobs', async () => {
    const unknown = await createJob('reboot-the-world');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'type' });
    const bad = await createJob('sleep', { duration_ms: 'long' });
    expect(bad.body.errors).toEqual([{ field: 'parameters.duration_ms', message: 'must be an integer from 0 to 3600000, got "long"' }]);
    expect((await createJob('vm.start', {})).body.errors.map((e: { field: string }) => e.field)).toEqual(['parameters.host', 'parameters.vm']);
    expect((await api(srv.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: [1], x: 1 })).status).toBe(400);
    expect((await api(srv.url, 'GET', '/api/v1/jobs/nope')).status).toBe(404);
    expect((await api(srv.url, 'GET', '/api/v1/jobs/nope/output')).status).toBe(404);
    expect((await api(srv.url, 'POST', '/api/v1/jobs/nope/cancel')).status).toBe(404);
  });

  it('cancel stops a running job; cancelling again is a conflict', async () => {
    const client = await subscribed('jobs');
    const r = await createJob('sleep', { duration_ms: 60_000 });
    await waitStatus(r.body.id, 'running');
    const cancelled = await api(srv.url, 'POST', `/api/v1/jobs/${r.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error: 'cancelled by alice', finished_at: expect.any(String) });
    const events = await untilFinal(client, r.body.id);
    expect(events.at(-1)?.data.job?.status).toBe('cancelled');
    await client.expectNone((m) => m.type === 'job' && (m.data as { id: string }).id === r.body.id, 100);
    expect((await api(srv.url, 'GET', `/api/v1/jobs/${r.body.id}`)).body.status).toBe('cancelled');
    const again = await api(srv.url, 'POST', `/api/v1/jobs/${r.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    await client.close();
  });
});

describe('notifications about jobs', () => {
  it('completion raises a success notification and failure an error one, with the job as related_entity', async () => {
    const client = await subscribed('notifications');
    const ok = await createJob('sleep', { duration_ms: 0 });
    const done = await client.next((m) => m.type === 'notification' && (m.data as { related_entity?: { id: string } }).related_entity?.id === ok.body.id);
    expect(done.data).toMatchObject({ level: 'success', category: 'job', related_entity: { type: 'job', id: ok.body.id, name: 'Sleep 0 ms' } });
    const bad = await createJob('fail', { message: 'disk on fire' });
    const failed = await client.next((m) => m.type === 'notification' && (m.data as { related_entity?: { id: string } }).related_entity?.id === bad.body.id);
    expect(failed.data).toMatchObject({
      level: 'error',
      category: 'job',
      message: 'Failing job failed: disk on fire',
      related_entity: { type: 'job', id: bad.body.id, name: 'Failing job' },
    });
    expect((await api(srv.url, 'GET', `/api/v1/jobs/${bad.body.id}`)).body).toMatchObject({ status: 'failed', error: 'disk on fire', progress: 50 });
    await client.close();
  });
});

describe('jobs change the inventory', () => {
  it('vm.start takes a VM off → starting → running; host.maintenance changes the host; a missing VM fails the job', async () => {
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-j1', { vms: [{ name: 'boot', state: 'off' }] });
    const client = await subscribed('inventory,jobs');
    const r = await createJob('vm.start', { host: 'hv-j1', vm: 'boot' });
    const states: string[] = [];
    while (states.at(-1) !== 'running') {
      const m = await client.next((x) => x.type === 'inventory' && (x.data as { id: string }).id === 'hv-j1/boot');
      states.push((m.data as { entity: { state: string } }).entity.state);
    }
    expect(states).toEqual(['starting', 'running']);
    await waitStatus(r.body.id, 'completed');
    const m = await createJob('host.maintenance', { host: 'hv-j1' });
    await waitStatus(m.body.id, 'completed');
    expect((await api(srv.url, 'GET', '/api/v1/hosts')).body.hosts.find((h: { id: string }) => h.id === 'hv-j1').status).toBe('maintenance');
    const missing = await createJob('vm.stop', { host: 'hv-j1', vm: 'ghost' });
    expect((await waitStatus(missing.body.id, 'failed')).error).toBe('VM hv-j1/ghost not found');
    await client.close();
  });
});

describe('delivery', () => {
  it('a client on jobs + jobs:<id> + all gets each event once; a client on jobs:<id> gets only that job', async () => {
    const both = await subscribed('jobs,all');
    const first = await createJob('sleep', { duration_ms: 30_000 });
    const id = first.body.id as string;
    const only = await subscribed(`jobs:${id}`);
    both.send({ type: 'subscribe', topics: [`jobs:${id}`] });
    await both.next((m) => m.type === 'subscription');
    await waitStatus(id, 'running');
    const other = await createJob('sleep', { duration_ms: 0 });
    await waitStatus(other.body.id, 'completed');
    await api(srv.url, 'POST', `/api/v1/jobs/${id}/cancel`);
    await untilFinal(both, id);
    await untilFinal(only, id);
    await new Promise((r) => setTimeout(r, 100));
    const jobEvents = (c: TestClient) => c.received.filter((m) => m.type === 'job') as JobMsg[];
    const offsets = jobEvents(both).map((m) => m.offset);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(offsets).toEqual(offsets.map((_, i) => (offsets[0] as number) + i));
    expect(jobEvents(both).some((m) => m.data.id === other.body.id)).toBe(true);
    expect(jobEvents(only).every((m) => m.data.id === id)).toBe(true);
    const mine = jobEvents(both).filter((m) => m.data.id === id && m.offset > (jobEvents(only)[0]?.offset ?? 0));
    expect(
      jobEvents(only)
        .filter((m) => m.offset >= (mine[0]?.offset ?? 0))
        .map((m) => m.offset),
    ).toEqual(mine.map((m) => m.offset));
    await both.close();
    await only.close();
  });

  it('initial_state.data.jobs holds jobs with versions at the jobs position; resume replays missed job events', async () => {
    const r = await createJob('sleep', { duration_ms: 0 });
    await waitStatus(r.body.id, 'completed');
    const client = await connectClient(`${srv.wsUrl}?topics=jobs`);
    const initial = await client.next((m) => m.type === 'initial_state');
    const jobs = (initial.data as { jobs: { id: string; status: string; version: number }[] }).jobs;
    expect(jobs.find((j) => j.id === r.body.id)).toMatchObject({ status: 'completed', version: expect.any(Number) });
    const position = (initial.positions as Record<string, { offset: number; epoch: string }>).jobs as { offset: number; epoch: string };
    const head = (await srv.server.store.heads()).get('jobs');
    expect(position.offset).toBe(head);
    await client.close();
    const missed = await createJob('sleep', { duration_ms: 0 });
    await waitStatus(missed.body.id, 'completed');
    const back = await connectClient(`${srv.wsUrl}?topics=&resume=${encodeURIComponent(JSON.stringify({ jobs: position }))}`);
    const resumed = await back.next((m) => m.type === 'resumed');
    expect(resumed).toMatchObject({ topic: 'jobs', recovered: true });
    const replayed: JobMsg[] = [];
    for (let i = 0; i < (resumed.replayed as number); i++) replayed.push((await back.next((m) => m.type === 'job')) as JobMsg);
    expect(replayed[0]?.offset).toBe(position.offset + 1);
    expect(replayed.some((m) => m.action === 'created' && m.data.id === missed.body.id)).toBe(true);
    expect(replayed.some((m) => m.data.id === missed.body.id && m.data.job?.status === 'completed')).toBe(true);
    await back.close();
  });
});

describe('resume on an entity topic', () => {
  it('a client on jobs:<id> alone that resumes `jobs` stays on that job: it replays and then receives only its events', async () => {
    const mine = await createJob('sleep', { duration_ms: 30_000 });
    const id = mine.body.id as string;
    const client = await connectClient(`${srv.wsUrl}?topics=jobs:${id}`);
    const initial = await client.next((m) => m.type === 'initial_state');
    const position = (initial.positions as Record<string, { offset: number; epoch: string }>).jobs;
    await client.close();
    // Missed while away: another job from start to end, and this one running on. Its progress must
    // move while away (it may have started before the snapshot: then only progress is missed).
    const progressAtClose = ((await api(srv.url, 'GET', `/api/v1/jobs/${id}`)).body.progress as number | undefined) ?? 0;
    const other = await createJob('sleep', { duration_ms: 0 });
    await waitStatus(other.body.id, 'completed');
    await waitStatus(id, 'running');
    await vi.waitFor(async () => expect((await api(srv.url, 'GET', `/api/v1/jobs/${id}`)).body.progress).toBeGreaterThan(progressAtClose), {
      timeout: 5000,
      interval: 20,
    });
    const back = await connectClient(`${srv.wsUrl}?topics=jobs:${id}&resume=${encodeURIComponent(JSON.stringify({ jobs: position }))}`);
    const resumed = await back.next((m) => m.type === 'resumed');
    expect(resumed).toMatchObject({ topic: 'jobs', recovered: true, replayed: expect.any(Number) });
    expect(resumed.replayed).toBeGreaterThan(0);
    const replayed: JobMsg[] = [];
    for (let i = 0; i < (resumed.replayed as number); i++) replayed.push((await back.next((m) => m.type === 'job')) as JobMsg);
    expect(replayed.map((m) => m.data.id)).toEqual(replayed.map(() => id));
    // Live: another job's events do not arrive; this job's cancel does.
    const later = await createJob('sleep', { duration_ms: 0 });
    await waitStatus(later.body.id, 'completed');
    await api(srv.url, 'POST', `/api/v1/jobs/${id}/cancel`);
    await untilFinal(back, id);
    const jobIds = back.received.filter((m) => m.type === 'job').map((m) => (m.data as { id: string }).id);
    expect(new Set(jobIds)).toEqual(new Set([id]));
    await back.close();
  });
});

describe('secret parameters', () => {
  it('are stored but never returned, pushed or logged', async () => {
    const secrets = ['hunter2-pw-81723', 'tok-a9f8e7d6', 'sk-private-5551', 'cred-zz-0042', 'nested-tok-777'];
    const client = await subscribed('jobs,all');
    const r = await createJob('backup', {
      host: 'hv-j1',
      vm: 'boot',
      target: 'nfs://b/1',
      password: secrets[0],
      auth: { api_token: secrets[1], user: 'svc' },
      SSH_Private_Key: secrets[2],
      credentials: [secrets[3]],
      mirrors: [{ url: 'nfs://m/1', Token: secrets[4] }],
    });
    expect(r.status).toBe(201);
    expect(r.body.parameters).toEqual({
      host: 'hv-j1',
      vm: 'boot',
      target: 'nfs://b/1',
      password: '[REDACTED]',
      auth: '[REDACTED]',
      SSH_Private_Key: '[REDACTED]',
      credentials: '[REDACTED]',
      mirrors: [{ url: 'nfs://m/1', Token: '[REDACTED]' }],
    });
    await waitStatus(r.body.id, 'completed');
    await untilFinal(client, r.body.id);
    const texts = [
      JSON.stringify(r.body),
      JSON.stringify((await api(srv.url, 'GET', `/api/v1/jobs/${r.body.id}`)).body),
      JSON.stringify((await api(srv.url, 'GET', '/api/v1/jobs?limit=500')).body),
      JSON.stringify(client.received),
      JSON.stringify(await connectClient(`${srv.wsUrl}?topics=jobs`).then((c) => c.next((m) => m.type === 'initial_state').finally(() => c.close()))),
      JSON.stringify(await srv.server.store.eventsAfter('jobs', 0, 100_000)),
      srv.logs.join('\n'),
    ];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
    const stored = await srv.server.store.read((tx) => tx.jobs.get(r.body.id));
    expect(stored?.raw_parameters).toMatchObject({ password: secrets[0], SSH_Private_Key: secrets[2] });
    await client.close();
  });
});

describe('restart', () => {
  it('a job left running is failed as interrupted; a pending one runs after the restart', async () => {
    const first = await startInProcess({ JOB_TICK_MS: '40' });
    const running = await api(first.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 60_000 } });
    for (let i = 0; i < 100 && (await api(first.url, 'GET', `/api/v1/jobs/${running.body.id}`)).body.status !== 'running'; i++)
      await new Promise((r) => setTimeout(r, 10));
    await first.close();
    const slow = await startInProcess({ JOB_TICK_MS: '60000' }, { dataDir: first.dataDir });
    const pending = await api(slow.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 0 } });
    await slow.close();
    const second = await startInProcess({ JOB_TICK_MS: '10' }, { dataDir: first.dataDir });
    try {
      expect((await api(second.url, 'GET', `/api/v1/jobs/${running.body.id}`)).body).toMatchObject({
        status: 'failed',
        error: 'interrupted by a server restart',
      });
      let status = '';
      for (let i = 0; i < 200 && status !== 'completed'; i++) {
        status = (await api(second.url, 'GET', `/api/v1/jobs/${pending.body.id}`)).body.status;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(status).toBe('completed');
    } finally {
      await second.close();
    }
  });
});

describe('retention', () => {
  it('deletes jobs finished more than JOB_RETENTION_DAYS ago, pushing deleted; unfinished jobs stay', async () => {
    let offsetMs = 0;
    const own = await startInProcess(
      { JOB_TICK_MS: '10', JOB_RETENTION_DAYS: '1', RETENTION_SWEEP_INTERVAL_MS: '100' },
      { now: () => new Date(Date.now() + offsetMs) },
    );
    try {
      const done = await api(own.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 0 } });
      for (let i = 0; i < 200 && (await api(own.url, 'GET', `/api/v1/jobs/${done.body.id}`)).body.status !== 'completed'; i++)
        await new Promise((r) => setTimeout(r, 10));
      const long = await api(own.url, 'POST', '/api/v1/jobs', { type: 'sleep', parameters: { duration_ms: 600_000 } });
      const client = await connectClient(`${own.wsUrl}?topics=jobs:${done.body.id as string}`);
      await client.next((m) => m.type === 'initial_state');
      offsetMs = 2 * 86_400_000;
      expect(await client.next((m) => m.type === 'job', 3000)).toMatchObject({ action: 'deleted', data: { id: done.body.id, reason: 'retention' } });
      expect((await api(own.url, 'GET', `/api/v1/jobs/${done.body.id}`)).status).toBe(404);
      expect((await api(own.url, 'GET', `/api/v1/jobs/${long.body.id}`)).status).toBe(200);
      await client.close();
    } finally {
      await own.close();
    }
  });
});
