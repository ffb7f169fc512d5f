/**
 * Per-filter unread counts per user, kept in memory like unread-counts.ts and moved by the
 * notification events, so each event's `filter_counts` costs no query per receiver. The filters
 * are the page's tabs (protocol/inbox.ts INBOX_TABS): a fixed, bounded list, the same for every
 * user. A user's counts are loaded (with the log offset they reflect) the first time they are
 * needed, and from then on:
 *
 * - `created` for the user (or everyone) adds one to each filter the new notification matches;
 * - `updated` for the user (a read change) adds or removes one in each filter it matches;
 * - `raised` and `seen` change no filter's membership or read state: nothing;
 * - every other action for the user (archive, snooze, bulk, all_read, deleted) forgets their
 *   counts, and `resolved` or `deleted` for everyone forgets every user's: the next use reloads.
 *
 * At most `maxUsers` users are kept; beyond it the oldest loaded is dropped.
 */
import { INBOX_TABS, matchesFilter, type Notification, type NotificationFilter } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';

export const TAB_NAMES = Object.keys(INBOX_TABS) as Array<keyof typeof INBOX_TABS>;
export const TAB_FILTERS: readonly NotificationFilter[] = TAB_NAMES.map((name) => INBOX_TABS[name]);

export type FilterCountsRecord = Readonly<Record<string, number>>;

export interface FilterCounts {
  observe(event: TopicEvent): void;
  /** The user's unread count per tab, as of the last observed event or later. */
  get(user: string): Promise<FilterCountsRecord>;
  remember(user: string, counts: readonly number[], offset: number): void;
  readonly size: number;
}

export interface FilterCountsOptions {
  /** The user's counts of TAB_FILTERS (in order) and the log offset they reflect, read together. */
  readonly load: (user: string) => Promise<{ counts: number[]; offset: number }>;
  readonly maxUsers: number;
}

interface Entry {
  counts: number[];
  asOf: number;
}

/** Moves `entry` by `event`; false when the event does not say how. */
function move(entry: Entry, event: TopicEvent): boolean {
  if (event.offset <= entry.asOf) return true;
  entry.asOf = event.offset;
  const nowIso = new Date().toISOString();
  switch (event.action) {
    case 'created':
    case 'updated': {
      const n = event.data as Notification;
      if (typeof n?.read !== 'boolean') return false;
      const delta = event.action === 'created' ? 1 : n.read ? -1 : 1;
      TAB_FILTERS.forEach((filter, i) => {
        if (matchesFilter(filter, n, nowIso)) entry.counts[i] = Math.max(0, (entry.counts[i] ?? 0) + delta);
      });
      return true;
    }
    case 'raised':
    case 'seen':
      return true;
    default:
      return false;
  }
}

function record(counts: readonly number[]): FilterCountsRecord {
  return Object.fromEntries(TAB_NAMES.map((name, i) => [name, counts[i] ?? 0]));
}

export function createFilterCounts(options: FilterCountsOptions): FilterCounts {
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<FilterCountsRecord>>();
  let last = -1;

  function store(user: string, counts: readonly number[], offset: number): void {
    if (last !== -1 && offset < last) return;
    entries.delete(user);
    entries.set(user, { counts: [...counts], asOf: offset });
    if (entries.size > options.maxUsers) entries.delete(entries.keys().next().value as string);
  }

  return {
    observe(event) {
      if (last !== -1 && event.offset !== last + 1) entries.clear();
      last = event.offset;
      if (event.audience === null) {
        if (event.action === 'deleted' || event.action === 'resolved') entries.clear();
        else for (const [user, entry] of entries) if (!move(entry, event)) entries.delete(user);
        return;
      }
      const entry = entries.get(event.audience);
      if (entry !== undefined && !move(entry, event)) entries.delete(event.audience);
    },

    get(user) {
      const entry = entries.get(user);
      if (entry !== undefined) return Promise.resolve(record(entry.counts));
      let pending = loading.get(user);
      if (pending === undefined) {
        pending = options
          .load(user)
          .then(({ counts, offset }) => {
            store(user, counts, offset);
            return record(counts);
          })
          .finally(() => loading.delete(user));
        loading.set(user, pending);
      }
      return pending;
    },

    remember(user, counts, offset) {
      if (!entries.has(user)) store(user, counts, offset);
    },

    get size() {
      return entries.size;
    },
  };
}
