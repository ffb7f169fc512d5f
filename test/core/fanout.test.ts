/**
 * The hub's fan-out through its public entry, with fake sockets and sources (no server, no
 * database): once-only, audience, entity topics, `all`, batch windows, events held while a
 * snapshot is in flight, per-user extras computed once, shared frames, and the slow-consumer bound.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createHub, type Hub, type HubLimits, type HubSocket, type Snapshot, type TopicSources } from '../../src/core/index.js';
import type { Logger } from '../../src/shared/logger.js';
import type { TopicEvent } from '../../src/store/types.js';

const EPOCH = 'e1';
const errors: object[] = [];
const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (obj) => void errors.push(obj) };

class FakeSocket implements HubSocket {
  readonly frames: (string | Buffer)[] = [];
  bufferedAmount = 0;
  closedWith: number | undefined;
  /** How many frames each send call carried, in order (sendEach: several). */
  readonly calls: number[] = [];
  send(frame: string | Buffer): void {
    this.frames.push(frame);
    this.calls.push(1);
  }
  sendEach(frames: readonly Buffer[]): void {
    this.frames.push(...frames);
    this.calls.push(frames.length);
  }
  close(code: number): void {
    this.closedWith ??= code;
  }
  whenDrained(): Promise<void> {
    return Promise.resolve();
  }
  messages(): Record<string, unknown>[] {
    return this.frames.map((f) => JSON.parse(f.toString()) as Record<string, unknown>);
  }
  events(): Record<string, unknown>[] {
    return this.messages().filter((m) => m.type !== 'connection' && m.type !== 'initial_state' && m.type !== 'subscription');
  }
}

const principal = (id: string): Principal => ({ id, name: id, roles: ['reader'], method: 'dev' });

let nextOffset = 0;
function event(topic: string, options: { keys?: string[]; audience?: string | null; offset?: number } = {}): TopicEvent {
  nextOffset = options.offset ?? nextOffset + 1;
  return {
    topic,
    offset: nextOffset,
    epoch: EPOCH,
    type: topic.replace(/s$/, ''),
    action: 'updated',
    data: { n: nextOffset },
    audience: options.audience ?? null,
    keys: options.keys ?? [],
    at: '2026-11-28T00:00:00.000Z',
  };
}

interface Fixture {
  readonly hub: Hub;
  readonly extrasAsked: string[];
  /** Holds every snapshot until released. */
  hold(): () => void;
}

const limits: HubLimits = {
  maxConnections: 100,
  maxSubscriptions: 10,
  maxBufferedBytes: 1000,
  maxReplay: 1000,
  maxQueuedSyncs: 8,
  costPerConnection: 0,
  costWindowMs: 1000,
  replayStallMs: 1000,
};

function fixture(batchMs = 0): Fixture {
  const extrasAsked: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const sources: TopicSources = {
    epoch: EPOCH,
    async snapshot(): Promise<Snapshot> {
      await gate;
      return { data: {}, position: { offset: 0, epoch: EPOCH } };
    },
    eventsAfter: () => Promise.resolve({ floor: 0, head: 0, events: [] }),
    extras(e, p) {
      if (e.topic !== 'notifications') return Promise.resolve(undefined);
      extrasAsked.push(`${p.id}@${e.offset}`);
      return Promise.resolve({ unread_count: p.id.length });
    },
  };
  const hub = createHub({ sources, limits, logger, batch: { windowMs: batchMs } });
  return {
    hub,
    extrasAsked,
    hold() {
      let release = (): void => undefined;
      gate = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function connect(hub: Hub, topics: string[], user = 'alice'): Promise<FakeSocket> {
  const socket = new FakeSocket();
  hub.attach(socket, principal(user), { topics });
  await settle();
  return socket;
}

describe('fan-out', () => {
  it('gives an event once to a connection that matches it by topic, entity key and `all`', async () => {
    const { hub } = fixture();
    const every = await connect(hub, ['jobs', 'jobs:42', 'all']);
    const entity = await connect(hub, ['jobs:42']);
    const other = await connect(hub, ['jobs:43']);
    hub.deliver(event('jobs', { keys: ['jobs:42'] }));
    await settle();
    expect(every.events()).toHaveLength(1);
    expect(entity.events()).toHaveLength(1);
    expect(other.events()).toHaveLength(0);
  });

  it('gives an event with an audience only to that user, with extras computed once per user', async () => {
    const { hub, extrasAsked } = fixture();
    const alice1 = await connect(hub, ['notifications'], 'alice');
    const alice2 = await connect(hub, ['notifications'], 'alice');
    const bob = await connect(hub, ['notifications'], 'bob');
    const e = event('notifications', { audience: 'alice' });
    hub.deliver(e);
    await settle();
    expect(alice1.events()).toEqual([expect.objectContaining({ type: 'notification', offset: e.offset, unread_count: 5 })]);
    expect(alice2.events()).toHaveLength(1);
    expect(bob.events()).toHaveLength(0);
    expect(extrasAsked).toEqual([`alice@${e.offset}`]);
    // One frame for alice's two sockets: serialised and encoded once.
    expect(alice1.frames.at(-1)).toBe(alice2.frames.at(-1));
  });

  it('holds events while a snapshot is in flight and sends them after it, in order, once', async () => {
    const f = fixture();
    const release = f.hold();
    const socket = await connect(f.hub, ['jobs']);
    const first = event('jobs');
    const second = event('jobs');
    f.hub.deliver(first);
    f.hub.deliver(second);
    await settle();
    expect(socket.messages().map((m) => m.type)).toEqual(['connection']);
    release();
    await settle();
    expect(socket.messages().map((m) => m.type ?? m.offset)).toEqual(['connection', 'initial_state', 'job', 'job']);
    expect(socket.events().map((m) => m.offset)).toEqual([first.offset, second.offset]);
  });

  it('groups a batch window into one `batch` frame per receiver, the plain event for a share of one', async () => {
    const { hub } = fixture(20);
    const all = await connect(hub, ['jobs']);
    const one = await connect(hub, ['jobs:7']);
    const events = [event('jobs', { keys: ['jobs:6'] }), event('jobs', { keys: ['jobs:7'] }), event('jobs', { keys: ['jobs:8'] })];
    for (const e of events) hub.deliver(e);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await settle();
    const [batch] = all.events();
    expect(all.events()).toHaveLength(1);
    expect(batch).toMatchObject({ type: 'batch', topic: 'jobs' });
    expect((batch?.messages as { offset: number }[]).map((m) => m.offset)).toEqual(events.map((e) => e.offset));
    expect(one.events()).toEqual([expect.objectContaining({ type: 'job', offset: events[1]?.offset })]);
  });

  it('fans out the events handed over in one go as one group: each event its own frame, in one send per receiver', async () => {
    const { hub, extrasAsked } = fixture();
    const all = await connect(hub, ['jobs', 'notifications']);
    const one = await connect(hub, ['jobs:7'], 'bob');
    const before = all.calls.length;
    const jobs = [event('jobs', { keys: ['jobs:6'] }), event('jobs', { keys: ['jobs:7'] }), event('jobs', { keys: ['jobs:8'] })];
    const notes = [event('notifications'), event('notifications')];
    const last = event('jobs');
    // A group commit hands its events over in one synchronous run; topics take turns.
    for (const e of [...jobs, ...notes, last]) hub.deliver(e);
    await settle();
    // Three groups, in the order the events came: three jobs, two notifications, one job.
    expect(all.calls.slice(before)).toEqual([3, 2, 1]);
    expect(all.events().map((m) => [m.type, m.offset])).toEqual([...jobs, ...notes, last].map((e) => [e.type, e.offset]));
    // Each event's own frame with its extras, asked once per user and event.
    expect(
      all
        .events()
        .filter((m) => m.type === 'notification')
        .map((m) => m.unread_count),
    ).toEqual([5, 5]);
    expect(extrasAsked).toEqual(notes.map((e) => `alice@${e.offset}`));
    // A receiver of part of a group gets its share.
    expect(one.events().map((m) => m.offset)).toEqual([jobs[1]?.offset]);
  });

  it('keeps a group to 256 events', async () => {
    const { hub } = fixture();
    const socket = await connect(hub, ['jobs']);
    const before = socket.calls.length;
    for (let i = 0; i < 300; i++) hub.deliver(event('jobs'));
    await settle();
    expect(socket.calls.slice(before)).toEqual([256, 44]);
    expect(socket.events()).toHaveLength(300);
  });

  it('skips events at or below a connection’s position', async () => {
    const { hub } = fixture();
    const socket = await connect(hub, ['jobs']);
    const e = event('jobs');
    hub.deliver(e);
    hub.deliver(e);
    await settle();
    expect(socket.events()).toHaveLength(1);
  });

  it('closes a connection whose send buffer is over the bound (4009) and keeps serving the others', async () => {
    const { hub } = fixture();
    const slow = await connect(hub, ['jobs']);
    const fine = await connect(hub, ['jobs']);
    slow.bufferedAmount = limits.maxBufferedBytes + 1;
    hub.deliver(event('jobs'));
    await settle();
    expect(slow.closedWith).toBe(4009);
    expect(fine.events()).toHaveLength(1);
    expect(hub.size).toBe(1);
    expect(hub.subscriptionCounts().get('jobs')).toMatchObject({ subscriptions: 1 });
  });
});
