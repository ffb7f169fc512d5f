/**
 * A stream put back to syncing for a fresh snapshot (a `subscribe` with new `filters`) holds live
 * events back from when its snapshot is read until it is sent, even when the ask came while a
 * resume of the stream was still running: an event sent before a snapshot older than it is wiped
 * out by that snapshot on the client and never sent again (the page lost `load 14` this way).
 */
import { expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createHub, type HubLimits, type HubSocket, type TopicSources } from '../../src/core/index.js';
import type { Snapshot } from '../../src/core/sources.js';
import type { Logger } from '../../src/shared/logger.js';
import type { EventRange, TopicEvent } from '../../src/store/types.js';

const EPOCH = 'e1';
const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const principal: Principal = { id: 'alice', name: 'alice', roles: ['reader'], method: 'dev' };

class FakeSocket implements HubSocket {
  readonly messages: Record<string, unknown>[] = [];
  bufferedAmount = 0;
  send(frame: string | Buffer): void {
    this.messages.push(JSON.parse(frame.toString()) as Record<string, unknown>);
  }
  close(): void {}
  whenDrained(): Promise<void> {
    return Promise.resolve();
  }
}

function event(offset: number): TopicEvent {
  return {
    topic: 'notifications',
    offset,
    epoch: EPOCH,
    type: 'notification',
    action: 'created',
    data: { id: `n${offset}` },
    audience: null,
    keys: [],
    at: new Date().toISOString(),
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 30; i++) await new Promise((resolve) => setImmediate(resolve));
};

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
    eventsAfter(_topic, after, limit, upto): Promise<EventRange> {
      const events = log.filter((e) => e.offset > after && (upto === undefined || e.offset <= upto)).slice(0, limit);
      return Promise.resolve({ floor: 0, head: log.length, events });
    },
    extras: () => Promise.resolve({}),
    checkFilters: (raw) => ({ key: JSON.stringify(raw), topic: 'notifications' }),
  };
  const limits: HubLimits = {
    maxConnections: 10,
    maxSubscriptions: 10,
    maxBufferedBytes: 1 << 20,
    maxReplay: 1000,
    maxQueuedSyncs: 8,
    costPerConnection: 0,
    costWindowMs: 1000,
    replayStallMs: 1000,
    recent: { maxEvents: 100, maxBytes: 1 << 20, maxAgeMs: 3_600_000 },
  };
  const hub = createHub({ sources, limits, logger });
  const commit = (offset: number): void => {
    const e = event(offset);
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
  expect(socket.messages.find((m) => m.type === 'resumed')).toMatchObject({ recovered: true });
  expect(pending).toHaveLength(1); // the resync snapshot is being read (at head 5)

  commit(6);
  commit(7);
  await settle();
  pending.shift()?.();
  await settle();
  commit(8);
  await settle();

  const { from, after } = held(socket.messages);
  expect(from).toBe(5);
  expect(after).toEqual([6, 7, 8]);
});
