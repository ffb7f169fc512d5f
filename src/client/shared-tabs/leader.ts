/**
 * The leader tab's port: it holds the browser's one connection (a plain one-connection client,
 * on whatever transport the options pick) carrying the union of every tab's topics, hands each
 * server message to its own page and relays it, with the positions after it, to the followers.
 * Taking over, it connects with the union and positions the old leader last relayed, so the
 * server replays exactly what the tabs have not seen. A follower new to the connection that asks
 * for topics already carried gets fresh snapshots of their families: a `resume` with an epoch no
 * log has answers `recovered: false` and an `initial_state` (docs/PROTOCOL.md, "resumed").
 */
import type { NotificationFilter, Positions } from '../../protocol/index.js';
import { createConnectionClient, type ConnectionClient } from '../client.js';
import type { ConnectionStatus, GenericMessage, StatusData, WsClientOptions } from '../types.js';
import { createFollowers } from './followers.js';
import { wantsFamily } from './topic-filter.js';
import type { TabView } from './view.js';
import type { ResolvedShareLimits, TabMessage } from './wire.js';

/** The epoch of the `resume` that asks for a snapshot: never a log's (those are 16 hex digits). */
export const SNAPSHOT_EPOCH = 'shared-tabs-snapshot';
const FAMILIES = ['notifications', 'inventory', 'jobs'] as const;

/** What every tab holds from the relay: the connection's topics and positions, for a next leader. */
export interface Known {
  topics: readonly string[];
  positions: Positions;
}

export interface Port {
  setFilters(filters: Readonly<Record<string, NotificationFilter>>): void;
  subscribe(topics: readonly string[], presence: boolean): void;
  unsubscribe(topics: readonly string[]): void;
  connect(): void;
  reconnectNow(): void;
  receive(message: TabMessage): void;
  close(): void;
}

function positionsOf(client: ConnectionClient): Positions {
  const out: Record<string, { offset: number; epoch: string }> = {};
  for (const [topic, p] of Object.entries(client.getPositions())) if (p.epoch !== null) out[topic] = { offset: p.offset, epoch: p.epoch };
  return out;
}

function statusOf(inner: ConnectionClient, s: ConnectionStatus, d: StatusData, carried: ReadonlySet<string>): TabMessage {
  return { k: 'status', s, d, transport: inner.getTransport(), clientId: inner.getClientId(), topics: [...carried], p: positionsOf(inner) };
}

/** Snapshots a tab new to families the connection already carries needs (see the header). */
function createSnapshotAsks(inner: ConnectionClient): { add(family: string): void; send(): void } {
  const due = new Set<string>();
  return {
    add: (family) => void due.add(family),
    send() {
      if (due.size === 0 || !inner.isConnected()) return;
      const positions = Object.fromEntries([...due].map((f) => [f, { offset: 0, epoch: SNAPSHOT_EPOCH }]));
      due.clear();
      inner.send({ type: 'resume', positions });
    },
  };
}

/** Topics some tab asked for with presence: the connection is a member of their presence, once per topic. */
function createPresence(inner: ConnectionClient, carried: ReadonlySet<string>): { join(topics: readonly string[]): void; drop(topic: string): void } {
  const present = new Set<string>();
  return {
    join(topics) {
      const fresh = topics.filter((t) => carried.has(t) && !present.has(t));
      for (const t of fresh) present.add(t);
      if (fresh.length > 0) inner.subscribe(fresh, { presence: true });
    },
    drop: (topic) => void present.delete(topic),
  };
}

/** The connection's options: the page's, with the tab's filters, the union and the positions to resume from. */
function innerOptions(options: WsClientOptions, view: TabView, positions: Positions, carried: ReadonlySet<string>): WsClientOptions {
  const filters = view.filters();
  const resume = Object.keys(positions).length > 0 ? { resumeFrom: positions } : {};
  return { ...options, ...(filters === undefined ? {} : { filters }), ...resume, topics: [...carried], autoConnect: false };
}

/** `post` is null for a tab that connects on its own (the leader had no room for it). */
export function startLeader(view: TabView, options: WsClientOptions, known: Known, limits: ResolvedShareLimits, post: ((m: TabMessage) => void) | null): Port {
  const followers = createFollowers(limits);
  let stopped = false;
  let inherited = new Set(post === null ? [] : known.topics);
  const carried = new Set<string>();
  const union = (): Set<string> => new Set([...view.topics, ...inherited, ...followers.topics()]);
  for (const t of union()) carried.add(t);
  const inner = createConnectionClient(innerOptions(options, view, post === null ? {} : known.positions, carried));
  const snapshots = createSnapshotAsks(inner);
  const presence = createPresence(inner, carried);
  const join = presence.join;

  /** Carries the union's topics; a tab new to ones already carried gets fresh snapshots of them. */
  function sync(fresh: readonly string[] = []): void {
    const wanted = union();
    const newTopics = new Set(fresh);
    for (const f of FAMILIES) if (wantsFamily(newTopics, f) && wantsFamily(carried, f)) snapshots.add(f);
    const added = [...wanted].filter((t) => !carried.has(t));
    const removed = [...carried].filter((t) => !wanted.has(t));
    for (const t of added) carried.add(t);
    for (const t of removed) carried.delete(t);
    for (const t of removed) presence.drop(t);
    if (added.length > 0) inner.subscribe(added);
    if (removed.length > 0) inner.unsubscribe(removed);
    snapshots.send();
    post?.(statusOf(inner, inner.getStatus(), {}, carried));
  }

  function relay(m: GenericMessage): void {
    const position = m.position as { epoch?: unknown } | undefined;
    if (m.type === 'resumed' && position?.epoch === SNAPSHOT_EPOCH) return; // our own ask for a snapshot
    post?.({ k: 'relay', m, p: positionsOf(inner) });
    view.deliver(m);
  }

  join([...view.present]);
  inner.on('*', relay);
  inner.onConnectionStatus((s, d) => {
    // Closing (the tab goes away, or the page closed it): the next leader tells the followers.
    if (stopped) return;
    view.setStatus(s, d, inner.getTransport(), inner.getClientId());
    post?.(statusOf(inner, s, d, carried));
    if (s === 'connected') snapshots.send();
  });
  // Topics of tabs that closed while another led are let go once the live tabs had time to re-join.
  const inheritTimer = setTimeout(() => {
    inherited = new Set();
    sync();
  }, limits.inheritMs);

  return {
    subscribe(topics, presence) {
      const fresh = topics.filter((t) => !view.topics.has(t));
      for (const t of fresh) view.topics.add(t);
      sync(fresh);
      if (presence) for (const t of topics) view.present.add(t);
      if (presence) join(topics);
    },
    unsubscribe(topics) {
      for (const t of topics) view.topics.delete(t);
      for (const t of topics) view.present.delete(t);
      for (const t of topics) view.positions.forget(t);
      sync();
    },
    setFilters: (filters) => inner.setFilters(filters),
    connect: () => inner.connect(),
    reconnectNow: () => inner.reconnectNow(),
    receive(m) {
      if (m.k === 'join') {
        const fresh = followers.join(m.tab, m.topics, m.fresh);
        if (fresh === null) post?.({ k: 'full', to: m.tab });
        else sync(fresh);
        if (fresh !== null) join(m.presence ?? []);
      } else if (m.k === 'sub' || m.k === 'unsub') {
        sync(followers.change(m.tab, m.topics, m.k === 'sub'));
        if (m.k === 'sub' && m.presence === true) join(m.topics);
      } else if (m.k === 'leave' && followers.leave(m.tab)) sync();
      else if (m.k === 'reconnect') inner.reconnectNow();
      else if (m.k === 'filters') inner.setFilters(m.f);
    },
    close() {
      stopped = true;
      clearTimeout(inheritTimer);
      inner.close();
    },
  };
}
