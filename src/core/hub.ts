/**
 * The hub: the core's front, wiring its parts together: connections (connection.ts, which own
 * their delivery) and the set of them (connection-set.ts), the subscription index
 * (subscription-index.ts), fan-out (delivery.ts, queued and grouped by fanout-queue.ts), snapshots and
 * resume (sync.ts), client requests (requests.ts). It receives events in offset order per topic
 * (from the sequencer) and never reaches back into services.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { CloseCode } from '../protocol/index.js';
import type { Logger } from '../shared/logger.js';
import type { TopicEvent } from '../store/types.js';
import type { AttachedConnection } from './attached.js';
import { UNLIMITED_BUDGET, type CostBudget } from './budget.js';
import { Connection, type ConnectionContext } from './connection.js';
import { listConnections, matches, recheckUser, type ConnectionFilter, type ConnectionInfo } from './connection-info.js';
import { createConnectionSet } from './connection-set.js';
import { createFanout } from './delivery.js';
import { createFanoutQueue } from './fanout-queue.js';
import { createFrameCache } from './frames.js';
import { createRecentEvents, type RecentLimits } from './recent.js';
import type { HubObserver } from './observer.js';
import { createPresenceWatchers, type PresenceOptions } from './presence.js';
import { createRequests, type AttachOptions } from './requests.js';
import type { HubSocket } from './socket.js';
import type { TopicSources } from './sources.js';
import { createSubscriptionIndex } from './subscription-index.js';
import { createSync } from './sync.js';
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
  /** The ring of recent events per log topic that resumes are served from (recent.ts); off when absent. Its count is capped at `maxReplay`. */
  readonly recent?: RecentLimits;
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
  /** Presence on entity topics (`subscribe` with `presence: true`); refused with an `error` when absent. */
  readonly presence?: PresenceOptions;
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
  /** The admin listing (connection-info.ts): matching connections, oldest first, at most `limit`. */
  list(filter: ConnectionFilter, limit: number): { readonly items: readonly ConnectionInfo[]; readonly matched: number };
  /** Closes the connections matching `filter` (by id, session or user). Returns how many. */
  closeMatching(filter: ConnectionFilter, code: number, reason: string): number;
  /**
   * Re-checks the connections of `userId` after their access changed: `next` gives the principal
   * a connection keeps (roles taken away), or undefined when it may not stay (closed with `code`).
   */
  recheck(userId: string, next: (principal: Principal) => Principal | undefined, code: number, reason: string): { kept: number; closed: number };
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
  const connections = createConnectionSet();
  const index = createSubscriptionIndex<Connection>((conn) => conn.principal.id);
  const framesOf = createFrameCache();
  const lowWaterBytes = Math.floor(limits.maxBufferedBytes / 2);
  const ring = limits.recent ?? { maxEvents: 0, maxBytes: 0, maxAgeMs: 0 };
  // The ring sizes an event by its frame, made here rather than in fan-out (the same cache).
  const recent = createRecentEvents(
    { ...ring, maxEvents: Math.min(ring.maxEvents, limits.maxReplay) },
    (event) => framesOf(event).size,
    () => now().getTime(),
  );
  const sync = createSync({ sources, recent, maxReplay: limits.maxReplay, lowWaterBytes, stallMs: limits.replayStallMs, observer, framesOf });
  const presence = createPresenceWatchers(options.presence);
  const requests = createRequests({ limits, budget: options.budget ?? UNLIMITED_BUDGET, now, observer, sync, presence, sources });
  const batchFrames = options.batch !== undefined && options.batch.windowMs > 0;
  const events = createFanoutQueue(createFanout({ index, sources, framesOf, batchFrames }), logger, options.batch);
  const context: ConnectionContext = {
    index,
    maxBufferedBytes: limits.maxBufferedBytes,
    observer,
    logger,
    forget: (conn, code) => {
      presence.dropConnection(conn);
      if (connections.remove(conn)) observer?.disconnected(code);
    },
    receive: (conn, parsed) => requests.handle(conn, parsed),
  };

  return {
    attach(socket, principal, attachOptions = {}) {
      if (connections.size >= limits.maxConnections) {
        observer?.refused('capacity');
        socket.close(CloseCode.TRY_AGAIN_LATER, 'server at connection capacity; try again later');
        return undefined;
      }
      const conn = new Connection(randomUUID(), principal, socket, context, attachOptions.meta);
      connections.add(conn);
      observer?.connected();
      conn.sendJson({ type: 'connection', status: 'connected', client_id: conn.id, timestamp: now().toISOString(), user: principal.name });
      requests.connect(conn, attachOptions);
      return conn;
    },
    deliver(event) {
      recent.add(event);
      sync.moved(event.topic);
      events.add(event);
    },
    broadcast(message, { topic }) {
      const frame = Buffer.from(JSON.stringify({ ...message, topic }));
      const targets = index.subscribersWithAll(topic);
      for (const conn of targets) conn.send(frame);
      return targets.size;
    },
    sendPersonalMessage(clientId, message) {
      const conn = connections.get(clientId);
      conn?.sendJson(message);
      return conn !== undefined;
    },
    closeWhere: (match, code, reason) => connections.closeWhere((conn) => match(conn.principal), code, reason),
    list: (filter, limit) => listConnections(connections.values(), filter, limit),
    closeMatching: (filter, code, reason) => connections.closeWhere((conn) => matches(conn, filter), code, reason),
    recheck: (userId, next, code, reason) => recheckUser([...connections.values()], userId, next, code, reason),
    get size() {
      return connections.size;
    },
    openSessions: () => connections.openSessions(),
    subscriptionCounts: () => index.countsByFamily(),
    pruned: () => sync.pruned(),
    async drain(code, reason, batchSize = 500) {
      events.close();
      await connections.drain(code, reason, batchSize);
    },
  };
}
