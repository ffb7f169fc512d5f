/**
 * The inbox state the page renders: loaded notifications newest first, the unread count, the
 * cursor of the next older page, and which items arrived while the panel was open. Pure state,
 * fed by REST pages, socket snapshots and socket events, in any mix.
 */
import {
  INBOX_TABS,
  matchesFilter,
  type AllReadData,
  type BulkData,
  type ConditionChange,
  type Notification,
  type NotificationEventMessage,
  type NotificationFilter,
} from '../protocol/index.js';

/** The panel's tabs (protocol/inbox.ts INBOX_TABS): what the list shows, each with its unread count. */
export type TabName = keyof typeof INBOX_TABS;
export const TAB_NAMES = Object.keys(INBOX_TABS) as TabName[];

/**
 * The filters the page has the server count (`filter_counts`): each tab, and `unseen` (unread and
 * not yet shown, in any state) for the bell's badge, so the badge counts every unseen notification,
 * not only the loaded ones.
 */
export const PAGE_FILTERS: Readonly<Record<TabName | 'unseen', NotificationFilter>> = { ...INBOX_TABS, unseen: { state: 'all', seen: false } };

/** The server's `initial_state` carries this many newest notifications. */
export const SNAPSHOT_SIZE = 50;

export interface InboxState {
  readonly items: readonly Notification[];
  readonly unreadCount: number;
  /** Cursor of the next older page; null when everything is loaded. */
  readonly nextCursor: string | null;
  readonly newIds: ReadonlySet<string>;
  /** The tab whose notifications `items` holds. */
  readonly tab: TabName;
  /** The unread count per tab (the server's `filter_counts`), or null before the first. */
  readonly tabCounts: Readonly<Record<string, number>> | null;
  /** Unread notifications not yet seen: the badge (the server's `unseen` count; before it, unread minus the seen ones this page knows of). */
  readonly unseenCount: number;
}

export interface Page {
  readonly notifications: readonly Notification[];
  readonly unread_count: number;
  readonly next_cursor: string | null;
}

export interface Inbox {
  state(): InboxState;
  onChange(listener: () => void): void;
  /** The newest page (REST) or snapshot (socket, `cursor` undefined): replaces what it covers. */
  replaceNewest(items: readonly Notification[], unreadCount: number, cursor?: string | null): void;
  /** An older page loaded by cursor. */
  appendPage(page: Page): void;
  /** A socket event; `trackNew` marks created items as new (the panel is open). */
  applyEvent(event: NotificationEventMessage, trackNew: boolean): void;
  upsert(item: Notification): void;
  remove(id: string): void;
  markAllRead(before: string | null, unreadCount: number): void;
  clearNew(): void;
  /** Shows another tab: its items are dropped until its first page arrives. */
  setTab(tab: TabName): void;
  setTabCounts(counts: Readonly<Record<string, number>>): void;
}

/** Newest first: by created_at, then id, both descending. */
function newerFirst(a: Notification, b: Notification): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Stores `item` in `items` (in place): replaced, or added when within the loaded range (older ones arrive with their page). */
function putItem(items: Notification[], item: Notification, nextCursor: string | null): boolean {
  const at = items.findIndex((n) => n.id === item.id);
  const oldest = items[items.length - 1];
  if (at !== -1) items[at] = item;
  else if (nextCursor === null || oldest === undefined || newerFirst(item, oldest) <= 0) items.push(item);
  else return false;
  items.sort(newerFirst);
  return true;
}

/** `held` after the newest page or snapshot `fresh` (`cursor` undefined for a snapshot): what it covers is replaced. */
function mergeNewest(held: Notification[], fresh: readonly Notification[], cursor: string | null | undefined, nextCursor: string | null) {
  const sorted = [...fresh].sort(newerFirst);
  const oldest = sorted[sorted.length - 1];
  const complete = cursor === null || (cursor === undefined && sorted.length < SNAPSHOT_SIZE);
  const kept = complete || oldest === undefined ? [] : held.filter((n) => newerFirst(n, oldest) > 0);
  const items = [...sorted, ...kept.filter((n) => !sorted.some((s) => s.id === n.id))];
  if (complete) return { items, nextCursor: null };
  return { items, nextCursor: kept.length === 0 && cursor !== undefined ? cursor : nextCursor };
}

export function createInbox(): Inbox {
  let items: Notification[] = [];
  let unreadCount = 0;
  let nextCursor: string | null = null;
  let newIds = new Set<string>();
  let tab: TabName = 'all';
  let tabCounts: Readonly<Record<string, number>> | null = null;
  const seen = createSeenUnread();
  const matches = (n: Notification): boolean => matchesFilter(INBOX_TABS[tab], n, new Date().toISOString());
  const listeners: Array<() => void> = [];
  const changed = (): void => listeners.forEach((l) => l());

  const put = (item: Notification): boolean => {
    seen.note(item);
    return putItem(items, item, nextCursor);
  };

  return {
    state: () => ({ items, unreadCount, nextCursor, newIds, tab, tabCounts, unseenCount: tabCounts?.unseen ?? Math.max(0, unreadCount - seen.size()) }),
    onChange: (listener) => void listeners.push(listener),
    replaceNewest(fresh, count, cursor) {
      fresh.forEach(seen.note);
      ({ items, nextCursor } = mergeNewest(items, fresh, cursor, nextCursor));
      unreadCount = count;
      newIds = new Set([...newIds].filter((id) => items.some((n) => n.id === id)));
      changed();
    },
    appendPage(page) {
      // put() keeps what is in the loaded range; an older page lies past it.
      for (const item of page.notifications) if (!put(item)) items.push(item);
      items.sort(newerFirst);
      nextCursor = page.next_cursor;
      unreadCount = page.unread_count;
      changed();
    },
    applyEvent(event, trackNew) {
      unreadCount = event.unread_count;
      if (event.filter_counts !== undefined) tabCounts = event.filter_counts;
      seen.noteEvent(event);
      items = applyInboxEvent(items, event, put, matches);
      if (event.action === 'created' && trackNew && items.some((n) => n.id === (event.data as Notification).id))
        newIds = new Set(newIds).add((event.data as Notification).id);
      changed();
    },
    upsert(item) {
      const before = items.find((n) => n.id === item.id);
      if (before !== undefined && before.read !== item.read) unreadCount = Math.max(0, unreadCount + (item.read ? -1 : 1));
      seen.note(item);
      if (matches(item)) put(item);
      else items = items.filter((n) => n.id !== item.id);
      changed();
    },
    remove(id) {
      const gone = items.find((n) => n.id === id);
      if (gone?.read === false) unreadCount = Math.max(0, unreadCount - 1);
      items = items.filter((n) => n.id !== id);
      seen.forget(id);
      changed();
    },
    markAllRead(before, count) {
      seen.clear();
      items = items.map((n) => (n.read || (before !== null && n.created_at > before) ? n : { ...n, read: true }));
      unreadCount = count;
      changed();
    },
    clearNew() {
      if (newIds.size === 0) return;
      newIds = new Set();
      changed();
    },
    setTab(next) {
      tab = next;
      items = [];
      nextCursor = null;
      newIds = new Set();
      changed();
    },
    setTabCounts: (counts) => {
      tabCounts = counts;
      changed();
    },
  };
}

/** The actions whose `data` is the whole notification as the user now sees it. */
const WHOLE: ReadonlySet<string> = new Set(['created', 'updated', 'seen', 'archived', 'unarchived', 'snoozed', 'unsnoozed']);

/**
 * The unread notifications this user has seen, as far as the page knows (from any tab or event):
 * the badge leaves them out of the unread count.
 */
function createSeenUnread() {
  const ids = new Set<string>();
  const note = (n: Notification): void => void (n.seen === true && !n.read ? ids.add(n.id) : ids.delete(n.id));
  return {
    note,
    forget: (id: string): void => void ids.delete(id),
    clear: (): void => ids.clear(),
    size: (): number => ids.size,
    /** Notes a whole notification, drops what `event` read or removed. */
    noteEvent(event: NotificationEventMessage): void {
      if (WHOLE.has(event.action)) note(event.data as Notification);
      else if (event.action === 'all_read') ids.clear();
      else if (event.action === 'deleted') ids.delete((event.data as { id: string }).id);
      else if (event.action === 'bulk_read') for (const id of (event.data as BulkData).ids) ids.delete(id);
    },
  };
}

/**
 * The items after `event`: a whole notification (created, updated, and the view-state changes) is
 * stored when it belongs to the tab (`matches`) and dropped from it otherwise, so an archived one
 * leaves All and enters Archived, and a snooze that ends puts it back; condition changes merge
 * into the item they name (a resolved one leaves Problems); bulk changes apply to their ids.
 */
function applyInboxEvent(
  items: Notification[],
  event: NotificationEventMessage,
  put: (item: Notification) => boolean,
  matches: (n: Notification) => boolean,
): Notification[] {
  switch (event.action) {
    case 'created':
    case 'updated':
    case 'seen':
    case 'archived':
    case 'unarchived':
    case 'snoozed':
    case 'unsnoozed': {
      const n = event.data as Notification;
      if (matches(n)) put(n);
      return matches(n) ? items : items.filter((x) => x.id !== n.id);
    }
    case 'deleted':
      return items.filter((n) => n.id !== (event.data as { id: string }).id);
    case 'raised':
    case 'resolved': {
      const change = event.data as ConditionChange;
      return items.map((n) => (n.id === change.id ? { ...n, ...change } : n)).filter((n) => n.id !== change.id || matches(n));
    }
    case 'bulk_read':
    case 'bulk_archived': {
      const ids = new Set((event.data as BulkData).ids);
      if (event.action === 'bulk_archived') return items.filter((n) => !ids.has(n.id) || n.archived === true);
      return items.map((n) => (ids.has(n.id) ? { ...n, read: true } : n));
    }
    case 'all_read': {
      const { before } = event.data as AllReadData;
      return items.map((n) => (n.read || (before !== null && n.created_at > before) ? n : { ...n, read: true }));
    }
  }
}
