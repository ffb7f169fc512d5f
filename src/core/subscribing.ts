/**
 * A connection's subscriptions as requests change them: topic names checked and the
 * subscription limit kept (the client gets an `error` otherwise), streams started for the log
 * topics a subscription draws from, and which of them need a snapshot.
 */
import { ErrorCode, checkTopic, type Positions } from '../protocol/index.js';
import type { Connection } from './connection.js';
import { covers, logTopicsOf, scopeWidened, snapshotScope } from './topics.js';

/** The log topics a subscribe of `added` would snapshot (new streams, or a scope that grows). */
export function snapshotsFor(conn: Connection, added: readonly string[]): Map<string, undefined> {
  const after = new Set(conn.subscriptionNames());
  const topics = new Set(added.flatMap((name) => logTopicsOf(name)));
  const before = new Map([...topics].map((t) => [t, snapshotScope(after, t)]));
  for (const name of added) after.add(name);
  const work = new Map<string, undefined>();
  for (const t of topics) if (conn.stream(t) === undefined || scopeWidened(before.get(t), snapshotScope(after, t))) work.set(t, undefined);
  return work;
}

export function validTopics(conn: Connection, topics: readonly string[], ref: string, maxSubscriptions: number): readonly string[] | undefined {
  for (const topic of topics) {
    const check = checkTopic(topic);
    if (!check.ok) {
      const code = check.reason === 'invalid' ? ErrorCode.INVALID_TOPIC : ErrorCode.UNKNOWN_TOPIC;
      conn.sendError(code, `${check.reason === 'invalid' ? 'invalid' : 'unknown'} topic ${JSON.stringify(topic.slice(0, 64))}`, ref);
      return undefined;
    }
  }
  const added = [...new Set(topics)].filter((t) => !conn.isSubscribed(t));
  if (conn.subscriptionCount + added.length > maxSubscriptions) {
    conn.sendError(ErrorCode.TOO_MANY_SUBSCRIPTIONS, `at most ${maxSubscriptions} subscriptions per connection`, ref);
    return undefined;
  }
  return added;
}

/**
 * Subscribes and returns the log topics that now need a snapshot: new ones, and scoped ones whose
 * scope grew (`inventory:hv-01`, then `inventory:hv-02` or `inventory`: a snapshot of the union).
 */
export function subscribe(conn: Connection, added: readonly string[]): string[] {
  const fresh = new Set<string>();
  for (const name of added) {
    const logTopics = logTopicsOf(name);
    const before = logTopics.map((t) => snapshotScope(conn.subscriptionNames(), t));
    conn.subscribe(name);
    logTopics.forEach((logTopic, i) => {
      const widened = scopeWidened(before[i], snapshotScope(conn.subscriptionNames(), logTopic));
      if (conn.startStream(logTopic, widened) !== undefined) fresh.add(logTopic);
    });
  }
  return [...fresh];
}

export function unsubscribe(conn: Connection, topics: readonly string[]): void {
  const removed = topics.filter((t) => conn.isSubscribed(t));
  for (const name of removed) conn.unsubscribe(name);
  for (const stream of conn.streamList()) if (!covers(conn.subscriptionNames(), stream.topic)) conn.dropStream(stream.topic);
  conn.sendJson({ type: 'subscription', status: 'unsubscribed', topics: removed });
}

/** The subscriptions a resume adds, or undefined when it is refused (the client got an error). */
export function resumable(conn: Connection, positions: Positions, ref: string, maxSubscriptions: number): readonly string[] | undefined {
  for (const topic of Object.keys(positions)) {
    const check = checkTopic(topic);
    if (!check.ok || check.family === 'all' || check.entity !== undefined) {
      conn.sendError(
        check.ok || check.reason === 'invalid' ? ErrorCode.INVALID_TOPIC : ErrorCode.UNKNOWN_TOPIC,
        `cannot resume ${JSON.stringify(topic.slice(0, 64))}: positions are kept per topic family`,
        ref,
      );
      return undefined;
    }
  }
  // A family nothing draws from yet is subscribed; one an entity topic already draws from is
  // not (a connection on `jobs:42` alone that resumes `jobs` stays on that job).
  const added = Object.keys(positions).filter((t) => !covers(conn.subscriptionNames(), t));
  return validTopics(conn, added, ref, maxSubscriptions);
}
