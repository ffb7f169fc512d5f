/**
 * Unread counts per user, kept in memory and moved by the notification events themselves, so an
 * event's `unread_count` costs no query per receiver. A count is loaded from the store (with the
 * log offset it reflects) the first time a user needs one, or remembered from their snapshot, and
 * from then on follows the events of the `notifications` topic, which arrive in offset order:
 *
 * - `created` for the user (or for everyone) adds one: a new notification is unread;
 * - `updated` for the user adds or removes one by its `read` flag (only a change emits it);
 * - `all_read` for the user removes `data.count`, the notifications it marked;
 * - `bulk_read` for the user removes `data.count`, the notifications it marked;
 * - `raised`, `resolved` and the view-state actions (`seen`, `archived`, `unarchived`, `snoozed`,
 *   `unsnoozed`, `bulk_archived`) change no read state, so no count;
 * - `deleted` for the user (or everyone) forgets their count (or every count): whether they had
 *   read it is not in the event, so the next use reloads it.
 *
 * Events addressed to another user change nothing here. A gap in the offsets (which the sequencer
 * does not let happen) forgets everything. At most `maxUsers` counts are kept; beyond it the
 * oldest loaded is dropped and reloaded when needed.
 */
import type { TopicEvent } from '../store/types.js';

export interface UnreadCounts {
  /** Feed every event of the notifications topic, in offset order. */
  observe(event: TopicEvent): void;
  /** The user's unread count, as of the last observed event or later. */
  get(user: string): Promise<number>;
  /** A count read from the store together with the log offset it reflects (e.g. by a snapshot). */
  remember(user: string, count: number, offset: number): void;
  readonly size: number;
}

export interface UnreadCountsOptions {
  /** The user's unread count and the notifications log offset it reflects, read together. */
  readonly load: (user: string) => Promise<{ count: number; offset: number }>;
  readonly maxUsers: number;
}

interface Entry {
  count: number;
  /** Events at or below this offset are already in `count`. */
  asOf: number;
}

/** Moves `entry` by `event`; false when the event does not say how (the count must be reloaded). */
function move(entry: Entry, event: TopicEvent): boolean {
  if (event.offset <= entry.asOf) return true;
  entry.asOf = event.offset;
  switch (event.action) {
    case 'created':
      entry.count += 1;
      return true;
    case 'updated': {
      const read = (event.data as { read?: unknown } | null)?.read;
      if (typeof read === 'boolean') entry.count += read ? -1 : 1;
      else return false;
      return true;
    }
    case 'raised':
    case 'resolved':
    case 'seen':
    case 'archived':
    case 'unarchived':
    case 'snoozed':
    case 'unsnoozed':
    case 'bulk_archived':
      return true;
    case 'bulk_read':
    case 'all_read': {
      const count = (event.data as { count?: unknown } | null)?.count;
      if (typeof count === 'number') entry.count = Math.max(0, entry.count - count);
      else return false;
      return true;
    }
    default:
      return false;
  }
}

export function createUnreadCounts(options: UnreadCountsOptions): UnreadCounts {
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<number>>();
  /** The last observed offset; -1 before the first event. */
  let last = -1;

  function apply(entry: Entry, event: TopicEvent, user: string): void {
    if (!move(entry, event)) entries.delete(user);
  }

  function store(user: string, count: number, offset: number): void {
    // A count older than the last observed event would miss the events in between (for example a
    // load that read the store before a `deleted` it did not see); a newer one skips them instead.
    if (last !== -1 && offset < last) return;
    entries.delete(user);
    entries.set(user, { count, asOf: offset });
    if (entries.size > options.maxUsers) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
  }

  return {
    observe(event) {
      if (last !== -1 && event.offset !== last + 1) entries.clear();
      last = event.offset;
      if (event.audience === null) {
        if (event.action === 'deleted') entries.clear();
        else for (const [user, entry] of entries) apply(entry, event, user);
        return;
      }
      const entry = entries.get(event.audience);
      if (entry !== undefined) apply(entry, event, event.audience);
    },

    get(user) {
      const entry = entries.get(user);
      if (entry !== undefined) return Promise.resolve(entry.count);
      let pending = loading.get(user);
      if (pending === undefined) {
        pending = options
          .load(user)
          .then(({ count, offset }) => {
            store(user, count, offset);
            return count;
          })
          .finally(() => loading.delete(user));
        loading.set(user, pending);
      }
      return pending;
    },

    remember(user, count, offset) {
      if (!entries.has(user)) store(user, count, offset);
    },

    get size() {
      return entries.size;
    },
  };
}
