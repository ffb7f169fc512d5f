/**
 * What a client may ask of the hub over its socket (`ping`, `subscribe`, `unsubscribe`, `resume`),
 * and the subscriptions it asks for at connect: topic names checked, the subscription limit kept,
 * snapshot and resume work charged to the cost budgets (charges.ts) and queued on the connection.
 * Fan-out and sync live elsewhere (delivery.ts, sync.ts); this is the request side. Refused at
 * connect, the socket is closed with 4010 after the error, since it has nothing to show.
 */
import { CloseCode, ErrorCode, type Position, type ParseResult, type Positions, type SubscribeMessage } from '../protocol/index.js';
import type { CostBudget } from './budget.js';
import type { ConnectionMeta } from './connection-info.js';
import { createCharges, type ChargeLimits } from './charges.js';
import type { Connection } from './connection.js';
import type { HubObserver } from './observer.js';
import type { PresenceWatchers } from './presence.js';
import { applyFilters, askFilters } from './receiver-filters.js';
import type { TopicSources } from './sources.js';
import type { Sync } from './sync.js';
import { resumable, snapshotsFor, subscribe, unsubscribe, validTopics } from './subscribing.js';

export interface AttachOptions {
  /** Subscriptions at connect (default `notifications`). Invalid names are answered with errors. */
  readonly topics?: readonly string[];
  /** Positions to resume from at connect, instead of snapshots for those topics. */
  readonly positions?: Positions;
  /** Named filters counted from the first `initial_state` on, as a `subscribe`'s (refused: an `error`, none counted). */
  readonly filters?: Readonly<Record<string, unknown>>;
  /** The transport and the client's address, for the admin listing (connection-info.ts). */
  readonly meta?: ConnectionMeta;
}

export interface RequestDeps {
  readonly limits: ChargeLimits & { readonly maxSubscriptions: number };
  readonly budget: CostBudget;
  readonly now: () => Date;
  readonly observer: HubObserver | undefined;
  readonly sync: Sync;
  readonly presence: PresenceWatchers;
  readonly sources: TopicSources;
}

export interface Requests {
  /** One client frame, parsed once by the edge; a returned promise settles once the request is admitted or refused. */
  handle(conn: Connection, parsed: ParseResult): Promise<void> | undefined;
  /** The subscriptions asked for at connect (default `notifications`), with snapshots or resumes. */
  connect(conn: Connection, options: AttachOptions): void;
}

export function createRequests(deps: RequestDeps): Requests {
  const { limits, now, observer, sync, presence } = deps;
  const { admit } = createCharges(limits, deps.budget, sync);

  function startResumes(conn: Connection, positions: Positions, added: readonly string[]): void {
    subscribe(conn, added);
    for (const [topic, position] of Object.entries(positions)) conn.run(() => sync.resume(conn, topic, position));
  }

  async function resume(conn: Connection, positions: Positions, ref: string): Promise<void> {
    const added = resumable(conn, positions, ref, limits.maxSubscriptions);
    if (added === undefined || !(await admit(conn, new Map(Object.entries(positions)), ref))) return;
    startResumes(conn, positions, added);
  }

  async function subscribeRequest(conn: Connection, message: SubscribeMessage): Promise<void> {
    const { topics, type: ref } = message;
    const withPresence = message.presence === true;
    const added = validTopics(conn, topics, ref, limits.maxSubscriptions);
    const ask = added === undefined ? undefined : askFilters(conn, message.filters, deps.sources, ref);
    if (added === undefined || ask === undefined || (withPresence && !presence.admit(conn, topics, ref))) return;
    const work = snapshotsFor(conn, added);
    for (const topic of ask.resync) work.set(topic, undefined);
    if (!(await admit(conn, work, ref))) return;
    const resynced = applyFilters(conn, ask);
    const fresh = [...new Set([...subscribe(conn, added), ...resynced])];
    conn.sendJson({ type: 'subscription', status: 'subscribed', topics });
    if (withPresence) presence.watch(conn, topics);
    if (fresh.length > 0) conn.run(() => sync.snapshots(conn, fresh));
  }

  function handle(conn: Connection, parsed: ParseResult): Promise<void> | undefined {
    observer?.messageIn();
    if (!parsed.ok) {
      conn.sendError(parsed.code, parsed.message, parsed.ref);
      return undefined;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        conn.sendJson({ type: 'pong', timestamp: now().toISOString() });
        return undefined;
      case 'subscribe':
        return subscribeRequest(conn, message);
      case 'unsubscribe':
        presence.unwatch(conn, message.topics);
        unsubscribe(conn, message.topics);
        return undefined;
      case 'resume':
        return resume(conn, message.positions, message.type);
      case 'auth':
      case 'refresh':
        // Credentials are the edge's business (http/ws.ts); one that reaches the hub is out of place.
        conn.sendError(ErrorCode.INVALID_MESSAGE, `"${message.type}" is handled by the server edge and is not valid here`, message.type);
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
      // Before any stream exists, so the first snapshot counts them and none is sent twice.
      const ask = options.filters === undefined ? undefined : askFilters(conn, options.filters, deps.sources, 'connect');
      if (ask !== undefined) applyFilters(conn, ask);
      const added = validTopics(conn, requested, 'connect', limits.maxSubscriptions) ?? [];
      const fresh = subscribe(conn, added).filter((t) => positions[t] === undefined);
      const resuming = Object.keys(positions).length > 0;
      const resumed = resuming ? resumable(conn, positions, 'connect', limits.maxSubscriptions) : undefined;
      const work = new Map<string, Position | undefined>([
        ...fresh.map((t): [string, undefined] => [t, undefined]),
        ...Object.entries(resumed === undefined ? {} : positions),
      ]);
      // Charged before any snapshot or replay is queued behind it; refused, the socket has nothing to show.
      conn.run(async () => {
        if (await admit(conn, work, 'connect')) return;
        conn.close(CloseCode.BUDGET_EXCEEDED, 'snapshot and replay budget spent; reconnect later');
      });
      if (fresh.length > 0 || !resuming) conn.run(() => sync.snapshots(conn, fresh));
      if (resumed !== undefined) startResumes(conn, positions, resumed);
    },
  };
}
