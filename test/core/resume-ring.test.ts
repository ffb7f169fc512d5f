/**
 * Resumes through the hub with the ring of recent events (src/core/recent.ts) on: a range the ring
 * holds is replayed from memory without reading the log, an older one from the log, and both give
 * the client exactly the events it missed, once and in order, with events arriving meanwhile.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createHub, type Hub, type TopicSources } from '../../src/core/index.js';
import type { TopicEvent } from '../../src/store/types.js';
import { EPOCH, eventsIn, FakeSocket, hubLimits, notificationEvent, settle, silentLogger } from '../helpers/hub-fixture.js';

const principal = (id: string): Principal => ({ id, name: id, roles: ['reader'], method: 'dev' });

interface Fixture {
  readonly hub: Hub;
  /** Log reads asked of the store. */
  readonly reads: { count: number };
  /** Commits an event: into the log, then delivered to the hub. */
  commit(offset: number, audience?: string | null): void;
}

function fixture(ringEvents: number): Fixture {
  const log: TopicEvent[] = [];
  const reads = { count: 0 };
  const sources: TopicSources = {
    epoch: EPOCH,
    snapshot: () => Promise.resolve({ data: {}, position: { offset: log.length, epoch: EPOCH } }),
    eventsAfter(_topic, after, limit, upto) {
      reads.count += 1;
      return eventsIn(log, after, limit, upto);
    },
    extras: (_e, p) => Promise.resolve({ unread_count: p.id.length }),
  };
  const hub = createHub({ sources, limits: hubLimits(ringEvents), logger: silentLogger });
  return {
    hub,
    reads,
    commit(offset, audience = null) {
      const e = notificationEvent(offset, audience);
      log.push(e);
      hub.deliver(e);
    },
  };
}

function resume(hub: Hub, offset: number, user = 'alice'): FakeSocket {
  const socket = new FakeSocket();
  hub.attach(socket, principal(user), { topics: ['notifications'], positions: { notifications: { offset, epoch: EPOCH } } });
  return socket;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('resume from the ring of recent events', () => {
  it('replays a range the ring holds from memory, without reading the log', async () => {
    const f = fixture(5);
    for (const i of range(1, 12)) f.commit(i);
    await settle();
    f.reads.count = 0;
    const socket = resume(f.hub, 8);
    f.commit(13); // before the resume runs: the ring holds 9..13, and 8 is the oldest it answers
    await settle();
    f.commit(14); // after it
    await settle();
    expect(f.reads.count).toBe(0);
    expect(socket.messages().find((m) => m.type === 'resumed')).toMatchObject({ recovered: true, replayed: 5, position: { offset: 13 } });
    expect(socket.offsets()).toEqual(range(9, 14));
    const first = socket.messages().find((m) => m.type === 'notification');
    expect(first).toEqual({
      type: 'notification',
      action: 'created',
      data: { id: 'n9', title: 'event 9' },
      unread_count: 5,
      topic: 'notifications',
      offset: 9,
    });
  });

  it('replays from the log one event before the ring, with the same frames', async () => {
    const f = fixture(5);
    for (const i of range(1, 12)) f.commit(i);
    await settle();
    f.reads.count = 0;
    const fromLog = resume(f.hub, 6); // the ring holds 8..12
    const fromRing = resume(f.hub, 7);
    await settle();
    f.commit(13);
    await settle();
    expect(f.reads.count).toBeGreaterThan(0);
    expect(fromLog.offsets()).toEqual(range(7, 13));
    expect(fromRing.offsets()).toEqual(range(8, 13));
    // Event by event, the ring and the log give the client the same bytes.
    const notifications = (s: FakeSocket): string[] => s.frames.map(String).filter((t) => t.includes('"type":"notification"'));
    expect(notifications(fromLog).slice(1)).toEqual(notifications(fromRing));
  });

  it('keeps the audience when replaying from memory, and answers `replayed` exactly', async () => {
    const f = fixture(100);
    f.commit(1);
    f.commit(2, 'bob');
    f.commit(3, 'alice');
    await settle();
    const alice = resume(f.hub, 1, 'alice');
    const bob = resume(f.hub, 1, 'bob');
    await settle();
    expect(f.reads.count).toBe(0);
    expect(alice.offsets()).toEqual([3]);
    expect(bob.offsets()).toEqual([2]);
    expect(alice.messages().find((m) => m.type === 'resumed')).toMatchObject({ replayed: 1, position: { offset: 3 } });
  });

  it('a client already up to date gets nothing replayed, and the ring off reads the log', async () => {
    const f = fixture(0);
    for (const i of range(1, 3)) f.commit(i);
    await settle();
    const socket = resume(f.hub, 1);
    await settle();
    expect(f.reads.count).toBeGreaterThan(0);
    expect(socket.offsets()).toEqual([2, 3]);
    const on = fixture(10);
    for (const i of range(1, 3)) on.commit(i);
    await settle();
    const current = resume(on.hub, 3);
    await settle();
    expect(on.reads.count).toBe(0);
    expect(current.messages().find((m) => m.type === 'resumed')).toMatchObject({ recovered: true, replayed: 0 });
    expect(current.offsets()).toEqual([]);
  });
});
