/**
 * The client honours `budget_exceeded`'s `retry_after_ms` (docs/PROTOCOL.md, "Cost budgets"): a
 * refused `subscribe` or `resume` is asked again only once that long has passed, and after a
 * refusal at connect (close 4010) the reconnect waits at least that long. Against the fake server
 * for the exact frames and delays, then against the real one with a small budget.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsClient, type GenericMessage, type WsClient } from '../../src/client/index.js';
import { startInProcess, type Running } from '../helpers/inprocess.js';
import { startFakeServer, type FakeConnection, type FakeServer } from './fake-server.js';
import { recordedClient, until, type Recorded } from './helpers.js';

/** Timers run at 1/100 of the requested delay (helpers.ts): 5000 ms asked is 50 ms here. */
const SCALE = 0.01;

let server: FakeServer | undefined;
let rec: Recorded | undefined;
let real: Running | undefined;
let client: WsClient | undefined;

afterEach(async () => {
  rec?.client.close();
  client?.close();
  rec = client = undefined;
  await server?.stop();
  await real?.close();
  server = real = undefined;
});

function refusal(ref: string, retryAfterMs: number): object {
  return { type: 'error', code: 'budget_exceeded', message: 'snapshot and replay budget spent', ref, retry_after_ms: retryAfterMs };
}

async function connectedClient(resumeVia: 'url' | 'message' = 'url'): Promise<FakeConnection> {
  server = await startFakeServer();
  rec = recordedClient({ url: server.url, pingIntervalMs: 1_000_000, resumeVia });
  const conn = await server.nextConnection();
  conn.greet('c-1', { notifications: { offset: 3, epoch: 'e1' } });
  await rec.waitFor('connected');
  return conn;
}

/** The next frame from the client, and how long (real ms) it took to come. */
async function timedNext(conn: FakeConnection): Promise<{ frame: Record<string, unknown>; afterMs: number }> {
  const start = performance.now();
  const frame = await conn.nextMessage();
  return { frame, afterMs: performance.now() - start };
}

describe('budget_exceeded against the fake server', () => {
  it('a refused subscribe is sent again, with every topic, only after retry_after_ms', async () => {
    const conn = await connectedClient();
    rec?.client.subscribe('jobs');
    expect(await conn.nextMessage()).toEqual({ type: 'subscribe', topics: ['jobs'] });
    conn.send(refusal('subscribe', 5000));
    const { frame, afterMs } = await timedNext(conn);
    expect(frame).toEqual({ type: 'subscribe', topics: ['notifications', 'jobs'] });
    expect(afterMs).toBeGreaterThanOrEqual(5000 * SCALE - 2);
  });

  it('a refused resume is sent again with the positions applied, only after retry_after_ms', async () => {
    const conn = await connectedClient('message');
    conn.terminate();
    const next = await server!.nextConnection();
    next.greet('c-2');
    expect(await next.nextMessage()).toEqual({ type: 'subscribe', topics: ['notifications'] });
    const resume = { type: 'resume', positions: { notifications: { offset: 3, epoch: 'e1' } } };
    expect(await next.nextMessage()).toEqual(resume);
    next.send(refusal('resume', 8000));
    const { frame, afterMs } = await timedNext(next);
    expect(frame).toEqual(resume);
    expect(afterMs).toBeGreaterThanOrEqual(8000 * SCALE - 2);
  });

  it('refused at connect (close 4010), it reconnects after retry_after_ms, not the 1 s backoff', async () => {
    const conn = await connectedClient();
    conn.send(refusal('connect', 20_000));
    conn.close(4010, 'snapshot and replay budget spent; reconnect later');
    const reconnecting = await rec!.waitFor('reconnecting');
    expect(reconnecting).toMatchObject({ attempt: 1, delayMs: 20_000, code: 4010 });
    const start = performance.now();
    await server!.nextConnection();
    expect(performance.now() - start).toBeGreaterThanOrEqual(20_000 * SCALE - 20);
    // The wait was for that reconnect only: the next drop waits by the backoff again.
    server!.connections[1]?.close(1011, 'boom');
    expect(await rec!.waitFor('reconnecting', 2)).toMatchObject({ attempt: 2, delayMs: 1500 });
  });

  it('a re-send still waiting when the socket drops is not sent (the reconnect asks for everything)', async () => {
    const conn = await connectedClient();
    rec?.client.subscribe('jobs');
    await conn.nextMessage();
    conn.send(refusal('subscribe', 10_000));
    await new Promise((resolve) => setTimeout(resolve, 10));
    conn.terminate();
    const next = await server!.nextConnection();
    next.greet('c-2');
    expect(await next.nextMessage()).toEqual({ type: 'subscribe', topics: ['notifications', 'jobs'] });
    await new Promise((resolve) => setTimeout(resolve, 10_000 * SCALE + 50));
    expect(next.received).toHaveLength(1);
  });
});

describe('budget_exceeded against the real server', () => {
  it('a subscribe past the connection budget gets its snapshots once the window has turned, after one refusal', async () => {
    // The connect's snapshot costs 1 unit, `jobs` and `inventory` 1 each: 3 > 2, refused until the 1 s window turns.
    real = await startInProcess({ WS_COST_BUDGET_PER_CONNECTION: '2', WS_COST_BUDGET_WINDOW_SEC: '1' });
    client = createWsClient({ url: real.wsUrl, WebSocket, browserEvents: false });
    const seen: GenericMessage[] = [];
    client.on('*', (m) => void seen.push(m));
    await until(() => client?.isConnected() === true, 10_000, 'connected');
    await until(() => seen.some((m) => m.type === 'initial_state'), 10_000, 'the first snapshot');
    client.subscribe(['jobs', 'inventory']);
    await until(() => seen.some((m) => m.type === 'error'), 10_000, 'the refusal');
    const refusedAt = performance.now();
    const refused = seen.find((m) => m.type === 'error');
    expect(refused).toMatchObject({ code: 'budget_exceeded', ref: 'subscribe' });
    const retryAfterMs = refused?.retry_after_ms as number;
    expect(retryAfterMs).toBeGreaterThan(0);
    const snapshotOf = (topic: string) => (m: GenericMessage) => m.type === 'initial_state' && (m.data as Record<string, unknown>)[topic] !== undefined;
    await until(() => seen.some(snapshotOf('jobs')) && seen.some(snapshotOf('inventory')), 10_000, 'the jobs and inventory snapshots');
    expect(performance.now() - refusedAt).toBeGreaterThanOrEqual(retryAfterMs - 5);
    // Asked again only when the budget had room: one refusal, no hammering.
    expect(seen.filter((m) => m.type === 'error')).toHaveLength(1);
    expect(client.isConnected()).toBe(true);
  });
});
