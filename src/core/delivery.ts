/**
 * Fan-out: how committed events reach every connection that may have them. One function for one
 * event and for a batch window's group of one topic: receivers come from the subscription index
 * (by subscription, entity key or `all`, in the audience, each once); each connection takes or
 * buffers its share (connection.ts); extras (the unread count and filter counts) are computed once
 * per user (and filters the connection named) and event, and each distinct frame is serialised
 * once (frames.ts).
 */
import type { TopicEvent } from '../store/types.js';
import type { Connection } from './connection.js';
import { createShareFrames, type EventFrames, type Extras, type ShareFrames } from './frames.js';
import type { TopicSources } from './sources.js';
import type { SubscriptionIndex } from './subscription-index.js';

export interface DeliveryDeps {
  readonly index: SubscriptionIndex<Connection>;
  readonly sources: TopicSources;
  /** The event's frames, serialised once whichever path sends them (sync.ts keeps them). */
  framesOf(event: TopicEvent): EventFrames;
  /** A receiver's share of several events goes as one `batch` frame (a batch window), else as each event's own frame. */
  readonly batchFrames?: boolean;
}

/** Committed events of one topic, in offset order (one event, or a batch window's group), to every receiver. */
export type Fanout = (events: readonly TopicEvent[]) => Promise<void>;

/** The live receivers of a fan-out and each one's share of its events. */
interface Shares {
  readonly conns: readonly Connection[];
  shareOf(conn: Connection): readonly TopicEvent[];
}

/**
 * Who takes what now; syncing streams have put their share in their buffers already. When every
 * event has the same receivers (one event; or a group on a topic without audiences or entity
 * subscribers: the index hands the same set back), each receiver takes all of them or none.
 */
function collect(index: SubscriptionIndex<Connection>, events: readonly TopicEvent[]): Shares {
  const receivers = events.map((event) => index.receivers(event));
  if (receivers.every((set) => set === receivers[0])) {
    const conns: Connection[] = [];
    for (const conn of receivers[0] as Iterable<Connection>) if (conn.takesLive(events)) conns.push(conn);
    return { conns, shareOf: () => events };
  }
  const byConn = new Map<Connection, TopicEvent[]>();
  for (let i = 0; i < events.length; i += 1) {
    const event = events[i] as TopicEvent;
    const one = [event];
    for (const conn of receivers[i] as Iterable<Connection>) {
      if (!conn.takesLive(one)) continue;
      const share = byConn.get(conn);
      if (share === undefined) byConn.set(conn, [event]);
      else share.push(event);
    }
  }
  // A receiver that takes every event gets the group itself: ShareFrames knows it by identity.
  return {
    conns: [...byConn.keys()],
    shareOf(conn) {
      const share = byConn.get(conn) as TopicEvent[];
      return share.length === events.length ? events : share;
    },
  };
}

export function createFanout(deps: DeliveryDeps): Fanout {
  const { index, sources, framesOf } = deps;
  const batch = deps.batchFrames === true;

  /** Frames per extras key (user, or user and filters): extras asked once per (key, event); receivers without extras share one set. */
  async function framesByUser(shares: Shares): Promise<Map<string, ShareFrames>> {
    const pending = new Map<string, Map<TopicEvent, Extras | Promise<Extras>>>();
    // Receivers of one user often come one after another: their map is looked up once per run.
    let lastKey: string | undefined;
    // ...and so do their shares, most often the whole group: its events are looked at once per run.
    let lastShare: readonly TopicEvent[] | undefined;
    let mine = new Map<TopicEvent, Extras | Promise<Extras>>();
    for (const conn of shares.conns) {
      const key = conn.extrasKey;
      const share = shares.shareOf(conn);
      if (key === lastKey && share === lastShare) continue;
      lastShare = share;
      if (key !== lastKey) {
        lastKey = key;
        const known = pending.get(key);
        if (known === undefined) pending.set(key, (mine = new Map<TopicEvent, Extras | Promise<Extras>>()));
        else mine = known;
      }
      for (let i = 0; i < share.length; i += 1) {
        const event = share[i] as TopicEvent;
        if (!mine.has(event)) mine.set(event, sources.extras(event, conn.principal, conn.filters));
      }
    }
    const frames = new Map<string, ShareFrames>();
    let plain: ShareFrames | undefined;
    await Promise.all(
      [...pending].map(async ([key, asked]) => {
        const extras = new Map<TopicEvent, Extras>();
        for (const [event, answer] of asked) {
          const value = await answer;
          if (value !== undefined) extras.set(event, value);
        }
        frames.set(
          key,
          extras.size > 0 ? createShareFrames(framesOf, (e) => extras.get(e), batch) : (plain ??= createShareFrames(framesOf, () => undefined, batch)),
        );
      }),
    );
    return frames;
  }

  return async (events) => {
    const shares = collect(index, events);
    if (shares.conns.length === 0) return;
    const frames = await framesByUser(shares);
    // One user (or no extras for anyone): no lookup per receiver.
    const distinct = new Set(frames.values());
    const only = distinct.size === 1 ? (distinct.values().next().value as ShareFrames) : undefined;
    const conns = shares.conns;
    for (let i = 0; i < conns.length; i += 1) {
      const conn = conns[i] as Connection;
      conn.deliver(shares.shareOf(conn), only ?? (frames.get(conn.extrasKey) as ShareFrames));
    }
  };
}
