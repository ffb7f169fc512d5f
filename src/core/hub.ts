/**
 * The hub: connections, subscriptions and ordered fan-out; snapshots and resume are in sync.ts,
 * client requests in requests.ts. It receives events in offset order per topic (from the
 * sequencer) and never reaches back into services.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { CloseCode, type Positions } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';
import { createBatcher, fanoutGroup } from './batcher.js';
import { Connection, syncing, syncingStream, type Stream } from './connection.js';
import { audienceMatches, type Extras } from './frames.js';
import type { HubObserver } from './observer.js';
import type { HubSocket } from './socket.js';
import type { Logger } from '../shared/logger.js';
import type { TopicSources } from './sources.js';
import { createRequests } from './requests.js';
import { createSync } from './sync.js';
import { matchKeys } from './topics.js';

export interface HubLimits {
  readonly maxConnections: number;
  readonly maxSubscriptions: number;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  /** Most events a resume may replay per topic before it answers `recovered: false` instead. */
  readonly maxReplay: number;
}

export interface HubOptions {
  readonly sources: TopicSources;
  readonly limits: HubLimits;
  readonly logger: Logger;
  readonly observer?: HubObserver;
  readonly now?: () => Date;
  /**
   * Events of one topic arriving within `windowMs` of the first go to each receiver as one
   * `{"type":"batch","topic","messages":[…]}` frame (a receiver with one event of the group gets
   * the plain event). Off when absent or 0.
   */
  readonly batch?: { readonly windowMs: number; readonly maxEvents?: number };
}

export interface AttachOptions {
  /** Subscriptions at connect (default `notifications`). Invalid names are answered with errors. */
  readonly topics?: readonly string[];
  /** Positions to resume from at connect, instead of snapshots for those topics. */
  readonly positions?: Positions;
}

/** Returned by `attach`: the adapter feeds frames in and reports the close. */
export interface AttachedConnection {
  readonly id: string;
  receive(text: string, byteLength: number): void;
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
  /** Subscriber counts per subscription name. */
  subscriptionCounts(): ReadonlyMap<string, number>;
  /** Closes every connection with `code`, `batchSize` at a time, yielding between batches. */
  drain(code: number, reason: string, batchSize?: number): Promise<void>;
}

export function createHub(options: HubOptions): Hub {
  const { sources, limits, logger, observer } = options;
  const now = options.now ?? (() => new Date());
  const connections = new Map<string, Connection>();
  const bySubscription = new Map<string, Set<Connection>>();
  let fanoutChain: Promise<void> = Promise.resolve();
  const sync = createSync({ sources, maxReplay: limits.maxReplay, observer, send, sendJson });
  const requests = createRequests({ limits, now, observer, sync, addSubscription, removeSubscription, startStream, run, sendJson });
  const batcher =
    options.batch !== undefined && options.batch.windowMs > 0
      ? createBatcher({
          windowMs: options.batch.windowMs,
          maxEvents: options.batch.maxEvents ?? 256,
          flush: (events) => enqueue(events[0] as TopicEvent, () => (events.length === 1 ? fanout(events[0] as TopicEvent) : fanoutGroup({ receivers, extrasFor, send, framesOf: sync.framesOf }, events))),
        })
      : undefined;

  function enqueue(event: TopicEvent, task: () => Promise<void>): void {
    fanoutChain = fanoutChain.then(task).catch((err: unknown) => logger.error({ err, topic: event.topic, offset: event.offset }, 'fan-out failed'));
  }

  function send(conn: Connection, frame: string | Buffer): void {
    if (conn.closed) return;
    if (conn.socket.bufferedAmount > limits.maxBufferedBytes) {
      observer?.slowConsumer();
      closeConnection(conn, CloseCode.SLOW_CONSUMER, 'slow consumer: send buffer full; reconnect and resume');
      return;
    }
    conn.socket.send(frame);
    observer?.messageOut(frame.length);
  }

  function sendJson(conn: Connection, message: object): void {
    send(conn, JSON.stringify(message));
  }

  function closeConnection(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.socket.close(code, reason);
    forget(conn, code);
  }

  function forget(conn: Connection, code: number): void {
    if (!connections.delete(conn.id)) return;
    conn.closed = true;
    for (const s of conn.subscriptions) bySubscription.get(s)?.delete(conn);
    conn.streams.clear();
    observer?.disconnected(code);
  }

  function addSubscription(conn: Connection, name: string): void {
    conn.subscriptions.add(name);
    let set = bySubscription.get(name);
    if (set === undefined) bySubscription.set(name, (set = new Set()));
    set.add(conn);
  }

  function removeSubscription(conn: Connection, name: string): void {
    conn.subscriptions.delete(name);
    const set = bySubscription.get(name);
    set?.delete(conn);
    if (set?.size === 0) bySubscription.delete(name);
  }

  /** Gives one event to one connection, respecting its stream state and position. */
  function offer(conn: Connection, event: TopicEvent, frame: Buffer): void {
    const stream = conn.streams.get(event.topic);
    if (stream === undefined || conn.closed) return;
    if (stream.mode === 'syncing') {
      stream.buffer.push(event);
      return;
    }
    if (event.offset <= stream.position) return;
    stream.position = event.offset;
    send(conn, frame);
  }

  async function extrasFor(event: TopicEvent, conn: Connection, cache?: Map<string, Promise<Extras>>): Promise<Extras> {
    if (cache === undefined) return sources.extras(event, conn.principal);
    let extras = cache.get(conn.principal.id);
    if (extras === undefined) cache.set(conn.principal.id, (extras = sources.extras(event, conn.principal)));
    return extras;
  }

  /** Every connection that may receive the event, once; the subscriber set itself when only one matches. */
  function receivers(event: TopicEvent): Iterable<Connection> {
    const sets: Set<Connection>[] = [];
    for (const key of matchKeys(event)) {
      const set = bySubscription.get(key);
      if (set !== undefined && set.size > 0) sets.push(set);
    }
    const only = sets.length === 1 ? sets[0] : undefined;
    if (only !== undefined && event.audience === null) return only;
    const result = new Set<Connection>();
    for (const set of sets) for (const conn of set) if (audienceMatches(event, conn.principal.id)) result.add(conn);
    return result;
  }

  /**
   * Sends one event to every live receiver (buffering it for syncing ones). Per-receiver work is a
   * map lookup and a send: extras are computed once per distinct user, and each distinct frame is
   * serialised and encoded once.
   */
  async function fanout(event: TopicEvent): Promise<void> {
    const live: Connection[] = [];
    const users = new Map<string, Principal>();
    for (const conn of receivers(event)) {
      const stream = conn.streams.get(event.topic);
      if (stream === undefined) continue;
      if (stream.mode === 'syncing') stream.buffer.push(event);
      else {
        live.push(conn);
        if (!users.has(conn.principal.id)) users.set(conn.principal.id, conn.principal);
      }
    }
    if (live.length === 0) return;
    const frames = sync.framesOf(event);
    const frameByUser = new Map<string, Buffer>();
    await Promise.all([...users.values()].map(async (p) => frameByUser.set(p.id, frames.bytes(await sources.extras(event, p)))));
    // One user (or one frame for all): no lookup per receiver.
    const only = frameByUser.size === 1 ? (frameByUser.values().next().value as Buffer) : undefined;
    for (const conn of live) offer(conn, event, only ?? (frameByUser.get(conn.principal.id) as Buffer));
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
    const next: Promise<void> = (conn.sync ?? Promise.resolve())
      .then(() => (conn.closed ? undefined : task()))
      .catch((err: unknown) => {
        logger.error({ err, clientId: conn.id }, 'WebSocket sync failed');
        closeConnection(conn, CloseCode.INTERNAL_ERROR, 'internal error; reconnect and resume');
      })
      .finally(() => {
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

    receive(text: string, byteLength: number): void {
      if (!this.conn.closed) requests.handle(this.conn, text, byteLength);
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
      else enqueue(event, () => fanout(event));
    },

    broadcast(message, { topic }) {
      const frame = Buffer.from(JSON.stringify({ ...message, topic }));
      const targets = new Set([...(bySubscription.get(topic) ?? []), ...(bySubscription.get('all') ?? [])]);
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

    subscriptionCounts() {
      return new Map([...bySubscription].map(([name, set]) => [name, set.size]));
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
