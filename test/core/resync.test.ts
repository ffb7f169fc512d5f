/**
 * A stream put back to syncing for a fresh snapshot (a `subscribe` with new `filters`) holds live
 * events back from when its snapshot is read until it is sent, even when the ask came while a
 * resume of the stream was still running: an event sent before a snapshot older than it is wiped
 * out by that snapshot on the client and never sent again (the page lost `load 14` this way).
 */
import { expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createHub, type Snapshot, type TopicSources } from '../../src/core/index.js';
import type { TopicEvent } from '../../src/store/types.js';
import { EPOCH, eventsIn, FakeSocket, hubLimits, notificationEvent, settle, silentLogger } from '../helpers/hub-fixture.js';

const principal: Principal = { id: 'alice', name: 'alice', roles: ['reader'], method: 'dev' };

/** The offsets the client holds once every message is applied: the last snapshot's, then the events after it. */
function held(messages: readonly Record<string, unknown>[]): { from: number; after: number[] } {
  let from = -1;
  let after: number[] = [];
  for (const m of messages) {
    if (m.type === 'initial_state') {
      from = (m.positions as Record<string, { offset: number }>).notifications?.offset ?? -1;
      after = [];
    } else if (m.type === 'notification') after.push(m.offset as number);
  }
  return { from, after };
}

it('holds live events back while a resync snapshot asked during a resume is read', async () => {
  const log: TopicEvent[] = [];
  /** Snapshots read so far, each released by the test: the position is the log's head when the read began. */
  const pending: (() => void)[] = [];
  const sources: TopicSources = {
    epoch: EPOCH,
    snapshot: () => {
      const position = { offset: log.length, epoch: EPOCH };
      return new Promise<Snapshot>((resolve) => pending.push(() => resolve({ data: { notifications: [] }, position })));
    },
    eventsAfter: (_topic, after, limit, upto) => eventsIn(log, after, limit, upto),
    extras: () => Promise.resolve({}),
    checkFilters: (raw) => ({ key: JSON.stringify(raw), topic: 'notifications' }),
  };
  const hub = createHub({ sources, limits: hubLimits(100), logger: silentLogger });
  const commit = (offset: number): void => {
    const e = notificationEvent(offset);
    log.push(e);
    hub.deliver(e);
  };
  for (let i = 1; i <= 5; i++) commit(i);
  await settle();

  // A reconnect: resume from 3 at connect, and the client's filters asked right behind it.
  const socket = new FakeSocket();
  const conn = hub.attach(socket, principal, { topics: ['notifications'], positions: { notifications: { offset: 3, epoch: EPOCH } } });
  await conn?.receive({ ok: true, message: { type: 'subscribe', topics: ['notifications'], filters: { errors: { levels: ['error'] } } } });
  await settle();
  expect(socket.messages().find((m) => m.type === 'resumed')).toMatchObject({ recovered: true });
  expect(pending).toHaveLength(1); // the resync snapshot is being read (at head 5)

  commit(6);
  commit(7);
  await settle();
  pending.shift()?.();
  await settle();
  commit(8);
  await settle();

  const { from, after } = held(socket.messages());
  expect(from).toBe(5);
  expect(after).toEqual([6, 7, 8]);
});
