/**
 * What a client may ask of the hub over its socket (`ping`, `subscribe`, `unsubscribe`, `resume`),
 * and the subscriptions it asks for at connect: topic names checked, the subscription limit kept,
 * snapshot and resume work charged to the cost budgets and queued on the connection. Fan-out and
 * sync live elsewhere (hub.ts, sync.ts); this is the request side.
 *
 * A snapshot or resume is charged its estimated cost before anything changes: refused, it is
 * answered with `budget_exceeded` (and `retry_after_ms`) and the connection stays as it was; at
 * connect the socket is closed with 4010 after that error, since it has nothing to show.
 */
import { CloseCode, ErrorCode, checkTopic, type ErrorMessage, type Position, type ParseResult, type Positions } from '../protocol/index.js';
import { giveLocal, takeLocal, UNLIMITED_BUDGET, type CostBudget } from './budget.js';
import type { Connection, Stream } from './connection.js';
import type { HubObserver } from './observer.js';
import type { Sync } from './sync.js';
import { covers, logTopicsOf, scopeWidened, snapshotScope } from './topics.js';

/** What `budget_exceeded` for a full request queue tells the client to wait, ms. */
const QUEUE_RETRY_MS = 1000;

export interface AttachOptions {
  /** Subscriptions at connect (default `notifications`). Invalid names are answered with errors. */
  readonly topics?: readonly string[];
  /** Positions to resume from at connect, instead of snapshots for those topics. */
  readonly positions?: Positions;
}

export interface RequestDeps {
  readonly limits: {
    readonly maxSubscriptions: number;
    readonly maxQueuedSyncs: number;
    /** Cost units per connection per `costWindowMs`; 0 = unlimited. */
    readonly costPerConnection: number;
    readonly costWindowMs: number;
  };
  readonly budget: CostBudget;
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
  close(conn: Connection, code: number, reason: string): void;
}

export interface Requests {
  /** One client frame, parsed once by the edge; a returned promise settles once the request is admitted or refused. */
  handle(conn: Connection, parsed: ParseResult): Promise<void> | undefined;
  /** The subscriptions asked for at connect (default `notifications`), with snapshots or resumes. */
  connect(conn: Connection, options: AttachOptions): void;
}

export function createRequests(deps: RequestDeps): Requests {
  const { limits, budget, now, observer, sync, addSubscription, removeSubscription, startStream, run, sendJson } = deps;

  function sendError(conn: Connection, code: ErrorMessage['code'], message: string, ref?: string, retryAfterMs?: number): void {
    const error: ErrorMessage = {
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }),
    };
    sendJson(conn, error);
  }

  /**
   * Charges the snapshots and replays a request asks for (`logTopic` → position to resume from, or
   * undefined for a snapshot). True when it may go ahead; otherwise the client got `budget_exceeded`.
   */
  async function admit(conn: Connection, work: ReadonlyMap<string, Position | undefined>, ref: string): Promise<boolean> {
    if (work.size === 0) return true;
    // The connect's own work is queued already; a client's requests wait behind at most the bound.
    if (ref !== 'connect' && conn.queued + work.size > limits.maxQueuedSyncs) {
      sendError(conn, ErrorCode.BUDGET_EXCEEDED, `at most ${limits.maxQueuedSyncs} snapshot or resume requests may wait per connection`, ref, QUEUE_RETRY_MS);
      return false;
    }
    if (limits.costPerConnection === 0 && budget === UNLIMITED_BUDGET) return true;
    const costs = await Promise.all([...work].map(([topic, from]) => sync.cost(topic, from)));
    const units = costs.reduce((a, b) => a + b, 0);
    let answer = takeLocal(conn, units, limits.costPerConnection, limits.costWindowMs, performance.now());
    if (answer.ok) {
      answer = await budget.take(conn.principal.id, units);
      if (!answer.ok) giveLocal(conn, units, limits.costPerConnection);
    }
    if (conn.closed) return false;
    if (answer.ok) return true;
    const seconds = Math.ceil(answer.retryAfterMs / 1000);
    sendError(conn, ErrorCode.BUDGET_EXCEEDED, `snapshot and replay budget spent; retry in ${seconds} s`, ref, answer.retryAfterMs);
    return false;
  }

  /** The log topics a subscribe of `added` would snapshot (new streams, or a scope that grows). */
  function snapshotsFor(conn: Connection, added: readonly string[]): Map<string, undefined> {
    const after = new Set(conn.subscriptions);
    const topics = new Set(added.flatMap((name) => logTopicsOf(name)));
    const before = new Map([...topics].map((t) => [t, snapshotScope(after, t)]));
    for (const name of added) after.add(name);
    const work = new Map<string, undefined>();
    for (const t of topics) if (!conn.streams.has(t) || scopeWidened(before.get(t), snapshotScope(after, t))) work.set(t, undefined);
    return work;
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

  /** The subscriptions a resume adds, or undefined when it is refused (the client got an error). */
  function resumable(conn: Connection, positions: Positions, ref: string): readonly string[] | undefined {
    for (const topic of Object.keys(positions)) {
      const check = checkTopic(topic);
      if (!check.ok || check.family === 'all' || check.entity !== undefined) {
        sendError(
          conn,
          check.ok ? ErrorCode.INVALID_TOPIC : check.reason === 'invalid' ? ErrorCode.INVALID_TOPIC : ErrorCode.UNKNOWN_TOPIC,
          `cannot resume ${JSON.stringify(topic.slice(0, 64))}: positions are kept per topic family`,
          ref,
        );
        return undefined;
      }
    }
    // A family nothing draws from yet is subscribed; one an entity topic already draws from is
    // not (a connection on `jobs:42` alone that resumes `jobs` stays on that job).
    return validTopics(
      conn,
      Object.keys(positions).filter((t) => !covers(conn.subscriptions, t)),
      ref,
    );
  }

  function startResumes(conn: Connection, positions: Positions, added: readonly string[]): void {
    subscribe(conn, added);
    for (const [topic, position] of Object.entries(positions)) run(conn, () => sync.resume(conn, topic, position));
  }

  async function resume(conn: Connection, positions: Positions, ref: string): Promise<void> {
    const added = resumable(conn, positions, ref);
    if (added === undefined || !(await admit(conn, new Map(Object.entries(positions)), ref))) return;
    startResumes(conn, positions, added);
  }

  async function subscribeRequest(conn: Connection, topics: readonly string[], ref: string): Promise<void> {
    const added = validTopics(conn, topics, ref);
    if (added === undefined || !(await admit(conn, snapshotsFor(conn, added), ref))) return;
    const fresh = subscribe(conn, added);
    sendJson(conn, { type: 'subscription', status: 'subscribed', topics });
    if (fresh.length > 0) run(conn, () => sync.snapshots(conn, fresh));
  }

  function handle(conn: Connection, parsed: ParseResult): Promise<void> | undefined {
    observer?.messageIn();
    if (!parsed.ok) {
      sendError(conn, parsed.code, parsed.message, parsed.ref);
      return undefined;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        sendJson(conn, { type: 'pong', timestamp: now().toISOString() });
        return undefined;
      case 'subscribe':
        return subscribeRequest(conn, message.topics, message.type);
      case 'unsubscribe':
        unsubscribe(conn, message.topics);
        return undefined;
      case 'resume':
        return resume(conn, message.positions, message.type);
      case 'auth':
      case 'refresh':
        // Credentials are the edge's business (http/ws.ts); one that reaches the hub is out of place.
        sendError(conn, ErrorCode.INVALID_MESSAGE, `"${message.type}" is handled by the server edge and is not valid here`, message.type);
        return undefined;
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
      const resumed = resuming ? resumable(conn, positions, 'connect') : undefined;
      const work = new Map<string, Position | undefined>([
        ...fresh.map((t): [string, undefined] => [t, undefined]),
        ...Object.entries(resumed === undefined ? {} : positions),
      ]);
      // Charged before any snapshot or replay is queued behind it; refused, the socket has nothing to show.
      run(conn, async () => {
        if (await admit(conn, work, 'connect')) return;
        deps.close(conn, CloseCode.BUDGET_EXCEEDED, 'snapshot and replay budget spent; reconnect later');
      });
      if (fresh.length > 0 || !resuming) run(conn, () => sync.snapshots(conn, fresh));
      if (resumed !== undefined) startResumes(conn, positions, resumed);
    },
  };
}
