/**
 * Presence as the hub sees it: which of its connections watch which entity topics' presence (and
 * are members of it), the per-connection and per-user bounds on that, and the sending of `presence`
 * frames to the watchers. Who is present over the whole cluster is the `PresenceDirectory`'s
 * business (composition/presence*.ts): the hub tells it who joins and leaves here, and it tells the
 * hub every change of the merged membership.
 */
import { ErrorCode, isPresenceTopic, type PresenceChangeMessage, type PresenceMember, type PresenceStateMessage } from '../protocol/index.js';
import type { Connection } from './connection.js';

/** A user as presence shows them. */
export interface PresenceUser {
  readonly id: string;
  readonly name: string;
}

/** The members of one topic, capped (`truncated` when `count` is more than `members.length`). */
export interface PresenceList {
  readonly members: readonly PresenceMember[];
  readonly count: number;
  readonly truncated: boolean;
}

export type PresenceSink = (topic: string, action: PresenceChangeMessage['action'], member: PresenceMember) => void;

/**
 * Membership over every instance. `join`/`leave` report this instance's connections; the sink
 * given to `listen` MUST be called, synchronously or later, for every change of the merged
 * membership (this instance's own included), never for a no-op.
 */
export interface PresenceDirectory {
  join(topic: string, connectionId: string, user: PresenceUser): void;
  leave(topic: string, connectionId: string): void;
  members(topic: string): PresenceList;
  listen(sink: PresenceSink): void;
}

export interface PresenceOptions {
  readonly directory: PresenceDirectory;
  /** Presence topics one connection may watch (PRESENCE_MAX_TOPICS_PER_CONNECTION). */
  readonly maxTopicsPerConnection: number;
  /** Distinct presence topics one user may watch on this instance, over all their connections (PRESENCE_MAX_TOPICS_PER_USER). */
  readonly maxTopicsPerUser: number;
}

export interface PresenceWatchers {
  /** Whether `conn` may watch `topics` (entity topics, within the bounds); sends the `error` when not. */
  admit(conn: Connection, topics: readonly string[], ref: string): boolean;
  /** `conn` watches (and is present on) `topics`: the others hear a join, it gets the `state`. */
  watch(conn: Connection, topics: readonly string[]): void;
  unwatch(conn: Connection, topics: readonly string[]): void;
  /** The connection is gone: it leaves every topic it watched. */
  dropConnection(conn: Connection): void;
}

export function createPresenceWatchers(options: PresenceOptions | undefined): PresenceWatchers {
  const byConn = new Map<Connection, Set<string>>();
  const byTopic = new Map<string, Set<Connection>>();
  /** user id → topic → how many of the user's connections here watch it. */
  const byUser = new Map<string, Map<string, number>>();

  options?.directory.listen((topic, action, member) => {
    const watchers = byTopic.get(topic);
    if (watchers === undefined) return;
    const frame = JSON.stringify({ type: 'presence', action, topic, member } satisfies PresenceChangeMessage);
    for (const conn of watchers) conn.send(frame);
  });

  function remove(conn: Connection, topic: string): void {
    const mine = byConn.get(conn);
    if (mine?.delete(topic) !== true) return;
    if (mine.size === 0) byConn.delete(conn);
    const watchers = byTopic.get(topic);
    watchers?.delete(conn);
    if (watchers?.size === 0) byTopic.delete(topic);
    const userTopics = byUser.get(conn.principal.id);
    const left = (userTopics?.get(topic) ?? 1) - 1;
    if (left > 0) userTopics?.set(topic, left);
    else userTopics?.delete(topic);
    if (userTopics?.size === 0) byUser.delete(conn.principal.id);
    options?.directory.leave(topic, conn.id);
  }

  return {
    admit(conn, topics, ref) {
      if (options === undefined) {
        conn.sendError(ErrorCode.INVALID_MESSAGE, 'presence is not available on this server', ref);
        return false;
      }
      const wrong = topics.find((t) => !isPresenceTopic(t));
      if (wrong !== undefined) {
        conn.sendError(ErrorCode.INVALID_TOPIC, `presence is kept on entity topics only (such as jobs:42), not ${JSON.stringify(wrong.slice(0, 64))}`, ref);
        return false;
      }
      const mine = byConn.get(conn) ?? new Set<string>();
      const added = [...new Set(topics)].filter((t) => !mine.has(t));
      if (mine.size + added.length > options.maxTopicsPerConnection) {
        conn.sendError(ErrorCode.TOO_MANY_SUBSCRIPTIONS, `at most ${options.maxTopicsPerConnection} presence topics per connection`, ref);
        return false;
      }
      const userTopics = byUser.get(conn.principal.id);
      const fresh = added.filter((t) => userTopics?.has(t) !== true).length;
      if ((userTopics?.size ?? 0) + fresh > options.maxTopicsPerUser) {
        conn.sendError(ErrorCode.TOO_MANY_SUBSCRIPTIONS, `at most ${options.maxTopicsPerUser} presence topics per user`, ref);
        return false;
      }
      return true;
    },
    watch(conn, topics) {
      if (options === undefined || conn.isClosed) return;
      const mine = byConn.get(conn) ?? new Set<string>();
      byConn.set(conn, mine);
      for (const topic of new Set(topics)) {
        if (mine.has(topic)) continue;
        // The others hear the join before this connection is a watcher, so it gets only the state.
        options.directory.join(topic, conn.id, { id: conn.principal.id, name: conn.principal.name });
        mine.add(topic);
        const watchers = byTopic.get(topic) ?? new Set<Connection>();
        byTopic.set(topic, watchers.add(conn));
        const userTopics = byUser.get(conn.principal.id) ?? new Map<string, number>();
        byUser.set(conn.principal.id, userTopics.set(topic, (userTopics.get(topic) ?? 0) + 1));
        const list = options.directory.members(topic);
        conn.sendJson({ type: 'presence', action: 'state', topic, ...list } satisfies PresenceStateMessage);
      }
    },
    unwatch(conn, topics) {
      for (const topic of topics) remove(conn, topic);
    },
    dropConnection(conn) {
      for (const topic of [...(byConn.get(conn) ?? [])]) remove(conn, topic);
      byConn.delete(conn);
    },
  };
}
