/**
 * The topics the client wants and the frames that ask for them: `subscribe`/`unsubscribe` while
 * connected, the topics in each connect's URL, the seed's resubscription after a reconnect (and a
 * `resume` frame when `resumeVia` is `message`), and a `subscribe` or `resume` the server refused
 * with `budget_exceeded` asked again once its `retry_after_ms` has passed. Nothing changed on the
 * server then, so asking again is the same ask: every topic (a no-op for those it has) and every
 * position (the client sends one `resume` per connection, and only with `resumeVia: 'message'`).
 * Topics asked for with presence are asked for again with `presence: true` on every connect (the
 * URL's topics carry no presence).
 * Named filters (`filters`) ride in each connect's URL, so its first `initial_state` counts them,
 * and on a `subscribe` of every topic when they change (the server answers that with a fresh
 * `initial_state` for `notifications`), changed while dialling included.
 */
import type { NotificationFilter } from '../protocol/index.js';
import type { ResolvedOptions } from './options.js';
import type { PositionTracker } from './positions.js';

export interface Subscriptions {
  add(topics: readonly string[], presence?: boolean): void;
  remove(topics: readonly string[]): void;
  /** Replaces the named filters (`{}`: none). */
  setFilters(filters: Readonly<Record<string, NotificationFilter>>): void;
  /** The topics and filters of the connect now being dialled, for its URL. */
  dialing(): { readonly topics: readonly string[]; readonly filters: Readonly<Record<string, NotificationFilter>> | undefined };
  /** The connection is up: resubscribe after a reconnect, or send what changed while dialling. */
  connected(again: boolean): void;
  /** The server refused the last `subscribe` or `resume` for its cost budget: ask again after `ms`. */
  refused(ref: 'subscribe' | 'resume', ms: number): void;
  /** The socket is gone: nothing is re-sent on it (a reconnect asks for everything again). */
  down(): void;
}

/** The positions applied so far, when a reconnect asks for missed events by message. */
function askResume(opts: ResolvedOptions, positions: PositionTracker, send: (message: object) => void): void {
  const resumable = positions.resumable();
  if (opts.resumeVia === 'message' && Object.keys(resumable).length > 0) send({ type: 'resume', positions: resumable });
}

export function createSubscriptions(
  opts: ResolvedOptions,
  positions: PositionTracker,
  send: (message: object) => void,
  isConnected: () => boolean,
): Subscriptions {
  const topics = new Set(opts.topics);
  /** The topics whose presence the client is a member of (a subset of `topics`). */
  const present = new Set<string>();
  const retries = new Map<string, unknown>();
  let dialTopics: readonly string[] = [];
  let filters = opts.filters !== undefined && Object.keys(opts.filters).length > 0 ? opts.filters : undefined;
  let dialFilters = filters;

  /** Every topic in one frame (those the server already has are a no-op there), with `named` filters when given. */
  function resubscribe(named: Readonly<Record<string, NotificationFilter>> | undefined): void {
    if (topics.size > 0) send({ type: 'subscribe', topics: [...topics], ...(named === undefined ? {} : { filters: named }) });
    rejoin();
  }

  function rejoin(): void {
    if (present.size > 0) send({ type: 'subscribe', topics: [...present], presence: true });
  }

  const resume = (): void => askResume(opts, positions, send);

  function cancel(ref: string): void {
    const timer = retries.get(ref);
    if (timer !== undefined) opts.timers.clearTimeout(timer);
    retries.delete(ref);
  }

  return {
    add(list, presence = false) {
      const added = list.filter((t) => !topics.has(t) && !presence);
      const joined = presence ? list.filter((t) => !present.has(t)) : [];
      for (const t of [...added, ...joined]) topics.add(t);
      for (const t of joined) present.add(t);
      if (added.length > 0 && isConnected()) send({ type: 'subscribe', topics: added });
      if (joined.length > 0 && isConnected()) send({ type: 'subscribe', topics: joined, presence: true });
    },
    remove(list) {
      const removed = list.filter((t) => topics.has(t));
      for (const t of removed) {
        topics.delete(t);
        present.delete(t);
        positions.forget(t);
      }
      if (removed.length > 0 && isConnected()) send({ type: 'unsubscribe', topics: removed });
    },
    dialing() {
      dialTopics = [...topics];
      dialFilters = filters;
      return { topics: dialTopics, filters };
    },
    connected(again) {
      // The URL carried the filters of the dial; only a change since needs asking (`{}`: none now).
      const changed = filters === dialFilters ? undefined : (filters ?? {});
      if (again) {
        // The seed's resubscription, in one frame (a no-op for topics the URL already subscribed).
        resubscribe(changed);
        resume();
        return;
      }
      // Topics changed while the first connect was being dialled.
      const added = [...topics].filter((t) => !dialTopics.includes(t) && !present.has(t));
      const removed = dialTopics.filter((t) => !topics.has(t));
      if (added.length > 0) send({ type: 'subscribe', topics: added });
      if (removed.length > 0) send({ type: 'unsubscribe', topics: removed });
      if (changed !== undefined) resubscribe(changed);
      else rejoin();
    },
    setFilters(named) {
      filters = Object.keys(named).length > 0 ? named : undefined;
      if (isConnected()) resubscribe((dialFilters = filters) ?? {});
    },
    refused(ref, ms) {
      // A later answer for the same kind of request names the wait for both.
      cancel(ref);
      const timer = opts.timers.setTimeout(() => {
        retries.delete(ref);
        if (ref === 'subscribe') resubscribe(filters);
        else resume();
      }, ms);
      retries.set(ref, timer);
    },
    down() {
      for (const ref of [...retries.keys()]) cancel(ref);
    },
  };
}
