/**
 * The hub: connections and their lifecycle, wiring the parts of the core together: the
 * subscription index (subscription-index.ts), delivery and fan-out (delivery.ts), snapshots and
 * resume (sync.ts), client requests (requests.ts). It receives events in offset order per topic (from the
 * sequencer) and never reaches back into services.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { CloseCode, type ParseResult } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';
import { createBatcher } from './batcher.js';
import { UNLIMITED_BUDGET, type CostBudget } from './budget.js';
import { Connection, syncing, syncingStream, type Stream } from './connection.js';
import { createDelivery } from './delivery.js';
import type { HubObserver } from './observer.js';
import type { HubSocket } from './socket.js';
import type { Logger } from '../shared/logger.js';
import type { TopicSources } from './sources.js';
import { createRequests, type AttachOptions } from './requests.js';
import { createSync } from './sync.js';
import { createSubscriptionIndex } from './subscription-index.js';
import type { SubscriptionCount } from './topics.js';

export type { AttachOptions };

export interface HubLimits {
  readonly maxConnections: number;
  readonly maxSubscriptions: number;
  readonly maxBufferedBytes: number;
  /** Most log events a resume may be behind per topic before it answers `recovered: false` instead. */
  readonly maxReplay: number;
  /** Snapshot or resume requests that may wait per connection (beyond: `budget_exceeded`). */
  readonly maxQueuedSyncs: number;
  /** Snapshot/replay cost units per connection per `costWindowMs` (core/budget.ts); 0 = unlimited. */
  readonly costPerConnection: number;
  readonly costWindowMs: number;
  /** A catch-up whose send buffer makes no progress for this long is closed (4009). */
  readonly replayStallMs: number;
}

export interface HubOptions {
  readonly sources: TopicSources;
  readonly limits: HubLimits;
  readonly logger: Logger;
  readonly observer?: HubObserver;
  /** What snapshots and replays may cost per user (over their sockets); unlimited when absent. */
  readonly budget?: CostBudget;
  readonly now?: () => Date;
  /**
   * Events of one topic arriving within `windowMs` of the first go to each receiver as one
   * `{"type":"batch","topic","messages":[…]}` frame (a receiver with one event of the group gets
   * the plain event). Off when absent or 0.
   */
  readonly batch?: { readonly windowMs: number; readonly maxEvents?: number };
}

/** Returned by `attach`: the adapter feeds frames in and reports the close. */
export interface AttachedConnection {
  readonly id: string;
  /**
   * One client frame, parsed once by the adapter (protocol/parse.ts; a frame refused for its size
   * or for being binary comes as that failure, unread). A failure is answered with an `error`. A
   * returned promise settles once a snapshot or resume request has been charged to the budgets (or
   * refused); the adapter MUST hand in the next frame only after it settles.
   */
  receive(parsed: ParseResult): Promise<void> | undefined;
  closed(code: number, reason: string): void;
  /**
   * Replaces the connection's principal after an in-band `refresh` (same user id, so subscriptions
   * and per-user state stay valid). `closeWhere` matches the new one from then on, which is how a
   * socket refreshed with a session's ws-token closes with that session.
   */
  rebind(principal: Principal): void;
}

export interface Hub {
  attach(socket: HubSocket, principal: Principal, options?: AttachOptions): AttachedConnection | undefined;
  /** Hands a committed event to the hub. Events of one topic MUST arrive in offset order. */
  deliver(event: TopicEvent): void;
  /** The seed's `broadcast(message, {topic})`: an ephemeral message (no offset) to a topic's subscribers. */
  broadcast(message: object, options: { readonly topic: string }): number;
  /** The seed's `send_personal_message(client_id, message)`. Returns false for an unknown client. */
  sendPersonalMessage(clientId: string, message: object): boolean;
  /** Closes every connection whose principal matches. Returns how many. */
  closeWhere(match: (principal: Principal) => boolean, code: number, reason: string): number;
  readonly size: number;
  /** The session ids of the open connections that have one (a browser session's sockets). */
  openSessions(): ReadonlySet<string>;
  /**
   * Subscriptions per topic family (`notifications`, `inventory`, `jobs`, `all`), never per entity:
   * `subscriptions` counts (connection, name) pairs, `topics` the distinct names with a subscriber.
   */
  subscriptionCounts(): ReadonlyMap<string, SubscriptionCount>;
  /** Closes every connection with `code`, `batchSize` at a time, yielding between batches. */
  drain(code: number, reason: string, batchSize?: number): Promise<void>;
  /** The event log was pruned: reads shared between connections are dropped, so none answers from before it. */
  pruned(): void;
}

export function createHub(options: HubOptions): Hub {
  const { sources, limits, logger, observer } = options;
  const now = options.now ?? (() => new Date());
  const connections = new Map<string, Connection>();
  const index = createSubscriptionIndex<Connection>((conn) => conn.principal.id);
  let fanoutChain: Promise<void> = Promise.resolve();
  const delivery = createDelivery({
    index,
    sources,
    maxBufferedBytes: limits.maxBufferedBytes,
    observer,
    framesOf: (event) => sync.framesOf(event),
    close: closeConnection,
  });
  const { send, sendJson } = delivery;
  const sync = createSync({
    sources,
    maxReplay: limits.maxReplay,
    lowWaterBytes: Math.floor(limits.maxBufferedBytes / 2),
    stallMs: limits.replayStallMs,
    observer,
    send,
    sendJson,
    close: closeConnection,
  });
  const budget = options.budget ?? UNLIMITED_BUDGET;
  const requests = createRequests({
    limits,
    budget,
    now,
    observer,
    sync,
    addSubscription,
    removeSubscription,
    startStream,
    run,
    sendJson,
    close: closeConnection,
  });
  const batcher =
    options.batch !== undefined && options.batch.windowMs > 0
      ? createBatcher({
          windowMs: options.batch.windowMs,
          maxEvents: options.batch.maxEvents ?? 256,
          flush: (events) => enqueue(events[0] as TopicEvent, () => delivery.fanoutGroup(events)),
        })
      : undefined;

  function enqueue(event: TopicEvent, task: () => Promise<void>): void {
    fanoutChain = fanoutChain.then(task).catch((err: unknown) => logger.error({ err, topic: event.topic, offset: event.offset }, 'fan-out failed'));
  }

  function closeConnection(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.socket.close(code, reason);
    forget(conn, code);
  }

  function forget(conn: Connection, code: number): void {
    if (!connections.delete(conn.id)) return;
    conn.closed = true;
    // Empty entries go too: names are client-chosen, so a kept empty set is a leak per name.
    index.removeAll(conn, conn.subscriptions);
    conn.streams.clear();
    observer?.disconnected(code);
  }

  function addSubscription(conn: Connection, name: string): void {
    conn.subscriptions.add(name);
    index.add(conn, name);
  }

  function removeSubscription(conn: Connection, name: string): void {
    conn.subscriptions.delete(name);
    index.remove(conn, name);
  }

  function startStream(conn: Connection, logTopic: string, resync = false): Stream | undefined {
    const existing = conn.streams.get(logTopic);
    if (existing !== undefined) {
      if (resync) syncing(existing);
      return resync ? existing : undefined;
    }
    const stream = syncingStream(logTopic);
    conn.streams.add(stream);
    return stream;
  }

  /** Queues snapshot/resume work for one connection behind any already queued; none is kept once done. */
  function run(conn: Connection, task: () => Promise<void>): void {
    conn.queued += 1;
    const next: Promise<void> = (conn.sync ?? Promise.resolve())
      .then(() => (conn.closed ? undefined : task()))
      .catch((err: unknown) => {
        logger.error({ err, clientId: conn.id }, 'WebSocket sync failed');
        closeConnection(conn, CloseCode.INTERNAL_ERROR, 'internal error; reconnect and resume');
      })
      .finally(() => {
        conn.queued -= 1;
        if (conn.sync === next) conn.sync = undefined;
      });
    conn.sync = next;
  }

  /** What `attach` returns: a handle on the connection, its methods shared by every connection. */
  class Attached implements AttachedConnection {
    constructor(private readonly conn: Connection) {}

    get id(): string {
      return this.conn.id;
    }

    receive(parsed: ParseResult): Promise<void> | undefined {
      return this.conn.closed ? undefined : requests.handle(this.conn, parsed);
    }

    closed(code: number): void {
      forget(this.conn, code);
    }

    rebind(principal: Principal): void {
      if (principal.id !== this.conn.principal.id) throw new Error('rebind: a connection keeps its user');
      this.conn.principal = principal;
    }
  }

  return {
    attach(socket, principal, attachOptions = {}) {
      if (connections.size >= limits.maxConnections) {
        observer?.refused('capacity');
        socket.close(CloseCode.TRY_AGAIN_LATER, 'server at connection capacity; try again later');
        return undefined;
      }
      const conn = new Connection(randomUUID(), principal, socket);
      connections.set(conn.id, conn);
      observer?.connected();
      sendJson(conn, { type: 'connection', status: 'connected', client_id: conn.id, timestamp: now().toISOString(), user: principal.name });
      requests.connect(conn, attachOptions);
      return new Attached(conn);
    },

    deliver(event) {
      sync.moved(event.topic);
      if (batcher !== undefined) batcher.add(event);
      else enqueue(event, () => delivery.fanout(event));
    },

    broadcast(message, { topic }) {
      const frame = Buffer.from(JSON.stringify({ ...message, topic }));
      const targets = index.subscribersWithAll(topic);
      for (const conn of targets) send(conn, frame);
      return targets.size;
    },

    sendPersonalMessage(clientId, message) {
      const conn = connections.get(clientId);
      if (conn === undefined) return false;
      sendJson(conn, message);
      return true;
    },

    closeWhere(match, code, reason) {
      let count = 0;
      for (const conn of [...connections.values()]) {
        if (!match(conn.principal)) continue;
        closeConnection(conn, code, reason);
        count += 1;
      }
      return count;
    },

    get size() {
      return connections.size;
    },

    openSessions() {
      const ids = new Set<string>();
      for (const conn of connections.values()) if (conn.principal.sessionId !== undefined) ids.add(conn.principal.sessionId);
      return ids;
    },

    subscriptionCounts() {
      return index.countsByFamily();
    },

    pruned() {
      sync.pruned();
    },

    async drain(code, reason, batchSize = 500) {
      batcher?.close();
      const all = [...connections.values()];
      for (let i = 0; i < all.length; i += batchSize) {
        for (const conn of all.slice(i, i + batchSize)) closeConnection(conn, code, reason);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
