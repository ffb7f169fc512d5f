/**
 * What a client may ask of the hub over its socket (`ping`, `subscribe`, `unsubscribe`, `resume`),
 * and the subscriptions it asks for at connect: topic names checked, the subscription limit kept,
 * snapshot and resume work queued on the connection. Fan-out and sync live elsewhere (hub.ts,
 * sync.ts); this is the request side.
 */
import { ErrorCode, checkTopic, parseClientMessage, type ErrorMessage, type Positions } from '../protocol/index.js';
import type { Connection, Stream } from './connection.js';
import type { AttachOptions } from './hub.js';
import type { HubObserver } from './observer.js';
import type { Sync } from './sync.js';
import { covers, logTopicsOf, scopeWidened, snapshotScope } from './topics.js';

export interface RequestDeps {
  readonly limits: { readonly maxSubscriptions: number; readonly maxMessageBytes: number };
  readonly now: () => Date;
  readonly observer: HubObserver | undefined;
  readonly sync: Sync;
  addSubscription(conn: Connection, name: string): void;
  removeSubscription(conn: Connection, name: string): void;
  /**
   * A new syncing stream of `logTopic`, or undefined when the connection has one; with `resync`,
   * an existing stream goes back to syncing (its snapshot is about to be replaced) and is returned.
   */
  startStream(conn: Connection, logTopic: string, resync?: boolean): Stream | undefined;
  /** Queues snapshot/resume work for the connection behind any already queued. */
  run(conn: Connection, task: () => Promise<void>): void;
  sendJson(conn: Connection, message: object): void;
}

export interface Requests {
  /** One text frame from the client. */
  handle(conn: Connection, text: string, byteLength: number): void;
  /** The subscriptions asked for at connect (default `notifications`), with snapshots or resumes. */
  connect(conn: Connection, options: AttachOptions): void;
}

export function createRequests(deps: RequestDeps): Requests {
  const { limits, now, observer, sync, addSubscription, removeSubscription, startStream, run, sendJson } = deps;

  function sendError(conn: Connection, code: ErrorMessage['code'], message: string, ref?: string): void {
    const error: ErrorMessage = ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref };
    sendJson(conn, error);
  }

  function validTopics(conn: Connection, topics: readonly string[], ref: string): readonly string[] | undefined {
    for (const topic of topics) {
      const check = checkTopic(topic);
      if (!check.ok) {
        const code = check.reason === 'invalid' ? ErrorCode.INVALID_TOPIC : ErrorCode.UNKNOWN_TOPIC;
        sendError(conn, code, `${check.reason === 'invalid' ? 'invalid' : 'unknown'} topic ${JSON.stringify(topic.slice(0, 64))}`, ref);
        return undefined;
      }
    }
    const added = [...new Set(topics)].filter((t) => !conn.subscriptions.has(t));
    if (conn.subscriptions.size + added.length > limits.maxSubscriptions) {
      sendError(conn, ErrorCode.TOO_MANY_SUBSCRIPTIONS, `at most ${limits.maxSubscriptions} subscriptions per connection`, ref);
      return undefined;
    }
    return added;
  }

  /**
   * Subscribes and returns the log topics that now need a snapshot: new ones, and scoped ones whose
   * scope grew (`inventory:hv-01`, then `inventory:hv-02` or `inventory`: a snapshot of the union).
   */
  function subscribe(conn: Connection, added: readonly string[]): string[] {
    const fresh = new Set<string>();
    for (const name of added) {
      const logTopics = logTopicsOf(name);
      const before = logTopics.map((t) => snapshotScope(conn.subscriptions, t));
      addSubscription(conn, name);
      logTopics.forEach((logTopic, i) => {
        const widened = scopeWidened(before[i], snapshotScope(conn.subscriptions, logTopic));
        if (startStream(conn, logTopic, widened) !== undefined) fresh.add(logTopic);
      });
    }
    return [...fresh];
  }

  function unsubscribe(conn: Connection, topics: readonly string[]): void {
    const removed = topics.filter((t) => conn.subscriptions.has(t));
    for (const name of removed) removeSubscription(conn, name);
    for (const stream of conn.streams) if (!covers(conn.subscriptions, stream.topic)) conn.streams.delete(stream.topic);
    sendJson(conn, { type: 'subscription', status: 'unsubscribed', topics: removed });
  }

  function resume(conn: Connection, positions: Positions, ref: string): void {
    const entries = Object.entries(positions);
    const logTopics = entries.map(([t]) => t);
    for (const topic of logTopics) {
      const check = checkTopic(topic);
      if (!check.ok || check.family === 'all' || check.entity !== undefined) {
        sendError(conn, check.ok ? ErrorCode.INVALID_TOPIC : check.reason === 'invalid' ? ErrorCode.INVALID_TOPIC : ErrorCode.UNKNOWN_TOPIC,
          `cannot resume ${JSON.stringify(topic.slice(0, 64))}: positions are kept per topic family`, ref);
        return;
      }
    }
    // A family nothing draws from yet is subscribed; one an entity topic already draws from is
    // not (a connection on `jobs:42` alone that resumes `jobs` stays on that job).
    const added = validTopics(conn, logTopics.filter((t) => !covers(conn.subscriptions, t)), ref);
    if (added === undefined) return;
    subscribe(conn, added);
    for (const [topic, position] of entries) run(conn, () => sync.resume(conn, topic, position));
  }

  function handle(conn: Connection, text: string, byteLength: number): void {
    observer?.messageIn();
    if (byteLength > limits.maxMessageBytes) {
      sendError(conn, ErrorCode.MESSAGE_TOO_LARGE, `message of ${byteLength} bytes exceeds the limit of ${limits.maxMessageBytes}`);
      return;
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      sendError(conn, parsed.code, parsed.message, parsed.ref);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        sendJson(conn, { type: 'pong', timestamp: now().toISOString() });
        return;
      case 'subscribe': {
        const added = validTopics(conn, message.topics, message.type);
        if (added === undefined) return;
        const fresh = subscribe(conn, added);
        sendJson(conn, { type: 'subscription', status: 'subscribed', topics: message.topics });
        if (fresh.length > 0) run(conn, () => sync.snapshots(conn, fresh));
        return;
      }
      case 'unsubscribe':
        unsubscribe(conn, message.topics);
        return;
      case 'resume':
        resume(conn, message.positions, message.type);
        return;
      case 'auth':
      case 'refresh':
        // Credentials are the edge's business (http/ws.ts); one that reaches the hub is out of place.
        sendError(conn, ErrorCode.INVALID_MESSAGE, `"${message.type}" is handled by the server edge and is not valid here`, message.type);
        return;
      default: {
        const never: never = message;
        throw new Error(`unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  return {
    handle,
    connect(conn, options) {
      const positions = options.positions ?? {};
      const requested = options.topics ?? ['notifications'];
      const added = validTopics(conn, requested, 'connect') ?? [];
      const fresh = subscribe(conn, added).filter((t) => positions[t] === undefined);
      const resuming = Object.keys(positions).length > 0;
      if (fresh.length > 0 || !resuming) run(conn, () => sync.snapshots(conn, fresh));
      if (resuming) resume(conn, positions, 'connect');
    },
  };
}
