/**
 * Unread counts per (user, filter), kept in memory and moved by the notification events
 * themselves, so an event's `unread_count` and `filter_counts` cost no query per receiver. The
 * unread count is one filter among others (UNREAD: every notification, in any state); the page's
 * tabs (INBOX_TABS) and the filters a connection names are the rest. A user's counts are loaded
 * from the store (with the log offset they reflect) the first time they are needed, or remembered
 * from a snapshot, and from then on follow the events of the `notifications` topic, in offset order:
 *
 * - `created` for the user (or everyone) adds one to each filter the new notification matches;
 * - `updated` (a read change) adds or removes one in each filter the notification matches;
 * - `raised` changes no filter's membership or read state: nothing; `seen` (only ever emitted for
 *   a change) moves the notification from unseen to seen in filters on `seen`;
 * - `resolved` changes only filters on the condition's state (`condition` other than `any`);
 * - `archived`, `unarchived`, `snoozed`, `unsnoozed`, `bulk_archived` change only filters on the
 *   view state (`state` other than `all`);
 * - `all_read` and `bulk_read` remove `data.count` from a filter that matches every notification;
 * - whatever a filter cannot follow (and `deleted`) forgets that count: the next use reloads it.
 *
 * Events addressed to another user change nothing here. A gap in the offsets (which the sequencer
 * does not let happen) forgets everything. At most `maxUsers` users are kept (beyond it the oldest
 * loaded is dropped) and at most `maxFiltersPerUser` filters per user (beyond it the oldest).
 */
import { matchesFilter, type Notification, type NotificationFilter } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';

/** A filter with its canonical key: two filters with the same key count the same notifications. */
export interface CountFilter {
  readonly key: string;
  readonly filter: NotificationFilter;
}

/** `filter` with its canonical key (fields in a fixed order, lists sorted). */
export function countFilter(filter: NotificationFilter): CountFilter {
  const canonical = {
    levels: [...(filter.levels ?? [])].sort(),
    categories: [...(filter.categories ?? [])].sort(),
    state: filter.state ?? 'inbox',
    condition: filter.condition ?? 'any',
    condition_key: filter.condition_key ?? null,
    seen: filter.seen ?? null,
  };
  return { key: JSON.stringify(canonical), filter };
}

/** Every notification this user sees, whatever its state: `unread_count`. */
export const UNREAD: CountFilter = countFilter({ state: 'all' });

export interface InboxCounts {
  /** Feed every event of the notifications topic, in offset order. */
  observe(event: TopicEvent): void;
  /**
   * The user's unread count in each of `filters` (in order), as of the last observed event or
   * later: at once when every one is held (a catch-up asks per event), else once loaded.
   */
  get(user: string, filters: readonly CountFilter[]): number[] | Promise<number[]>;
  /** Counts read from the store together with the log offset they reflect (e.g. by a snapshot). */
  remember(user: string, filters: readonly CountFilter[], counts: readonly number[], offset: number): void;
  /** Counts held, over every user. */
  readonly size: number;
}

export interface InboxCountsOptions {
  /** The user's unread count in each filter (in order) and the log offset they reflect, read together. */
  readonly load: (user: string, filters: readonly NotificationFilter[]) => Promise<{ counts: number[]; offset: number }>;
  readonly maxUsers: number;
  readonly maxFiltersPerUser: number;
}

interface Entry {
  readonly filter: NotificationFilter;
  count: number;
  /** Events at or below this offset are already in `count`. */
  asOf: number;
}

function matchesEverything(f: NotificationFilter): boolean {
  const none = (f.levels ?? []).length === 0 && (f.categories ?? []).length === 0 && f.condition_key === undefined && f.seen === undefined;
  return none && f.state === 'all' && (f.condition ?? 'any') === 'any';
}

/** Moves `entry` by `event`; false when the event does not say how (the count must be reloaded). */
function move(entry: Entry, event: TopicEvent, nowIso: string): boolean {
  if (event.offset <= entry.asOf) return true;
  entry.asOf = event.offset;
  const f = entry.filter;
  switch (event.action) {
    case 'created':
    case 'updated': {
      const n = event.data as Notification | null;
      if (typeof n?.read !== 'boolean') return false;
      const delta = event.action === 'created' ? 1 : n.read ? -1 : 1;
      if (matchesFilter(f, n, nowIso)) entry.count = Math.max(0, entry.count + delta);
      return true;
    }
    case 'raised':
      return true;
    case 'seen': {
      // Emitted only for a change: the notification was not seen before.
      const n = event.data as Notification | null;
      if (f.seen === undefined) return true;
      if (typeof n?.read !== 'boolean') return false;
      if (!n.read) entry.count += (matchesFilter(f, n, nowIso) ? 1 : 0) - (matchesFilter(f, { ...n, seen: false }, nowIso) ? 1 : 0);
      return true;
    }
    case 'resolved':
      return (f.condition ?? 'any') === 'any';
    case 'archived':
    case 'unarchived':
    case 'snoozed':
    case 'unsnoozed':
    case 'bulk_archived':
      return f.state === 'all';
    case 'all_read':
    case 'bulk_read': {
      const count = (event.data as { count?: unknown } | null)?.count;
      if (typeof count !== 'number' || !matchesEverything(f)) return false;
      entry.count = Math.max(0, entry.count - count);
      return true;
    }
    default:
      return false;
  }
}

/** Each filter's count from the held entry when there is one (moved since), else from the load. */
function merged(held: Map<string, Entry> | undefined, filters: readonly CountFilter[], loaded: readonly CountFilter[], fresh: readonly number[]): number[] {
  const byKey = new Map(loaded.map((f, i) => [f.key, fresh[i] ?? 0]));
  return filters.map((f) => held?.get(f.key)?.count ?? byKey.get(f.key) ?? 0);
}

/** The counts held: user → filter key → entry, users and filters in load order (the oldest first). */
class Held {
  readonly users = new Map<string, Map<string, Entry>>();
  size = 0;
  /** The last observed offset; -1 before the first event. */
  last = -1;

  constructor(private readonly limits: Pick<InboxCountsOptions, 'maxUsers' | 'maxFiltersPerUser'>) {}

  clear(): void {
    this.users.clear();
    this.size = 0;
  }

  /** Moves `user`'s counts by `event`, forgetting those it does not say how to move. */
  apply(user: string, entries: Map<string, Entry>, event: TopicEvent, nowIso: string): void {
    for (const [key, entry] of entries) {
      if (move(entry, event, nowIso)) continue;
      entries.delete(key);
      this.size -= 1;
    }
    if (entries.size === 0) this.users.delete(user);
  }

  store(user: string, filters: readonly CountFilter[], counts: readonly number[], offset: number): void {
    // Counts older than the last observed event would miss the events in between (for example a
    // load that read the store before a `deleted` it did not see); newer ones skip them instead.
    if (this.last !== -1 && offset < this.last) return;
    const entries = this.users.get(user) ?? new Map<string, Entry>();
    // The user goes to the end: the oldest loaded is the first dropped.
    this.users.delete(user);
    this.users.set(user, entries);
    if (this.users.size > this.limits.maxUsers) {
      const oldest = this.users.keys().next().value as string;
      this.size -= this.users.get(oldest)?.size ?? 0;
      this.users.delete(oldest);
    }
    filters.forEach((f, i) => {
      if (!entries.has(f.key)) this.size += 1;
      entries.delete(f.key);
      entries.set(f.key, { filter: f.filter, count: counts[i] ?? 0, asOf: offset });
    });
    while (entries.size > this.limits.maxFiltersPerUser) {
      entries.delete(entries.keys().next().value as string);
      this.size -= 1;
    }
  }
}

export function createInboxCounts(options: InboxCountsOptions): InboxCounts {
  const held = new Held(options);
  const { users } = held;
  const loading = new Map<string, Promise<number[]>>();

  function load(user: string, missing: readonly CountFilter[]): Promise<number[]> {
    const id = `${user}\n${missing.map((f) => f.key).join('\n')}`;
    let pending = loading.get(id);
    if (pending === undefined) {
      pending = options
        .load(
          user,
          missing.map((f) => f.filter),
        )
        .then(({ counts, offset }) => {
          held.store(user, missing, counts, offset);
          return counts;
        })
        .finally(() => loading.delete(id));
      loading.set(id, pending);
    }
    return pending;
  }

  return {
    observe(event) {
      if (held.last !== -1 && event.offset !== held.last + 1) held.clear();
      held.last = event.offset;
      const nowIso = new Date().toISOString();
      if (event.audience !== null) {
        const entries = users.get(event.audience);
        if (entries !== undefined) held.apply(event.audience, entries, event, nowIso);
      } else if (event.action === 'deleted') held.clear();
      else for (const [user, entries] of users) held.apply(user, entries, event, nowIso);
    },

    get(user, filters) {
      const entries = users.get(user);
      const counts: number[] = [];
      let missing: CountFilter[] | undefined;
      for (const f of filters) {
        const entry = entries?.get(f.key);
        if (entry === undefined) (missing ??= []).push(f);
        else counts.push(entry.count);
      }
      if (missing === undefined) return counts;
      const loaded = missing;
      return load(user, loaded).then((fresh) => merged(users.get(user), filters, loaded, fresh));
    },

    remember(user, filters, counts, offset) {
      const entries = users.get(user);
      const kept = filters.flatMap((f, i) => (entries?.has(f.key) === true ? [] : [i]));
      if (kept.length > 0)
        held.store(
          user,
          kept.map((i) => filters[i] as CountFilter),
          kept.map((i) => counts[i] ?? 0),
          offset,
        );
    },

    get size() {
      return held.size;
    },
  };
}
