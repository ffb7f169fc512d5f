/**
 * The inbox state the page renders: loaded notifications newest first, the unread count, the
 * cursor of the next older page, and which items arrived while the panel was open. Pure state,
 * fed by REST pages, socket snapshots and socket events, in any mix.
 */
import type { AllReadData, BulkData, ConditionChange, Notification, NotificationEventMessage } from '../protocol/index.js';

/** The server's `initial_state` carries this many newest notifications. */
export const SNAPSHOT_SIZE = 50;

export interface InboxState {
  readonly items: readonly Notification[];
  readonly unreadCount: number;
  /** Cursor of the next older page; null when everything is loaded. */
  readonly nextCursor: string | null;
  readonly newIds: ReadonlySet<string>;
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
}

/** Newest first: by created_at, then id, both descending. */
function newerFirst(a: Notification, b: Notification): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function createInbox(): Inbox {
  let items: Notification[] = [];
  let unreadCount = 0;
  let nextCursor: string | null = null;
  let newIds = new Set<string>();
  const listeners: Array<() => void> = [];
  const changed = (): void => listeners.forEach((l) => l());

  /** Whether an item belongs to the loaded range (older ones arrive with their page). */
  function inRange(item: Notification): boolean {
    const oldest = items[items.length - 1];
    return nextCursor === null || oldest === undefined || newerFirst(item, oldest) <= 0;
  }

  function put(item: Notification): boolean {
    const at = items.findIndex((n) => n.id === item.id);
    if (at !== -1) items[at] = item;
    else if (inRange(item)) items.push(item);
    else return false;
    items.sort(newerFirst);
    return true;
  }

  return {
    state: () => ({ items, unreadCount, nextCursor, newIds }),
    onChange: (listener) => void listeners.push(listener),
    replaceNewest(fresh, count, cursor) {
      const sorted = [...fresh].sort(newerFirst);
      const oldest = sorted[sorted.length - 1];
      const complete = cursor === null || (cursor === undefined && sorted.length < SNAPSHOT_SIZE);
      const kept = complete || oldest === undefined ? [] : items.filter((n) => newerFirst(n, oldest) > 0);
      items = [...sorted, ...kept.filter((n) => !sorted.some((s) => s.id === n.id))];
      if (complete) nextCursor = null;
      else if (kept.length === 0 && cursor !== undefined) nextCursor = cursor;
      unreadCount = count;
      newIds = new Set([...newIds].filter((id) => items.some((n) => n.id === id)));
      changed();
    },
    appendPage(page) {
      for (const item of page.notifications) if (!items.some((n) => n.id === item.id)) items.push(item);
      items.sort(newerFirst);
      nextCursor = page.next_cursor;
      unreadCount = page.unread_count;
      changed();
    },
    applyEvent(event, trackNew) {
      unreadCount = event.unread_count;
      items = applyInboxEvent(items, event, put);
      if (event.action === 'created' && trackNew && items.some((n) => n.id === (event.data as Notification).id))
        newIds = new Set(newIds).add((event.data as Notification).id);
      changed();
    },
    upsert(item) {
      const before = items.find((n) => n.id === item.id);
      if (before !== undefined && before.read !== item.read) unreadCount = Math.max(0, unreadCount + (item.read ? -1 : 1));
      put(item);
      changed();
    },
    remove(id) {
      const gone = items.find((n) => n.id === id);
      if (gone === undefined) return;
      if (!gone.read) unreadCount = Math.max(0, unreadCount - 1);
      items = items.filter((n) => n.id !== id);
      changed();
    },
    markAllRead(before, count) {
      items = items.map((n) => (n.read || (before !== null && n.created_at > before) ? n : { ...n, read: true }));
      unreadCount = count;
      changed();
    },
    clearNew() {
      if (newIds.size === 0) return;
      newIds = new Set();
      changed();
    },
  };
}

/**
 * The items after `event`: `put` stores a whole notification (created, updated, seen, back from
 * the archive or a snooze); archived and snoozed ones leave the default view; condition changes
 * merge into the item they name; bulk changes apply to the ids they list.
 */
function applyInboxEvent(items: Notification[], event: NotificationEventMessage, put: (item: Notification) => boolean): Notification[] {
  switch (event.action) {
    case 'created':
    case 'updated':
    case 'seen':
    case 'unarchived':
    case 'unsnoozed':
      put(event.data as Notification);
      return items;
    case 'deleted':
    case 'archived':
    case 'snoozed':
      return items.filter((n) => n.id !== (event.data as { id: string }).id);
    case 'raised':
    case 'resolved': {
      const change = event.data as ConditionChange;
      return items.map((n) => (n.id === change.id ? { ...n, ...change } : n));
    }
    case 'bulk_read':
    case 'bulk_archived': {
      const ids = new Set((event.data as BulkData).ids);
      if (event.action === 'bulk_archived') return items.filter((n) => !ids.has(n.id));
      return items.map((n) => (ids.has(n.id) ? { ...n, read: true } : n));
    }
    case 'all_read': {
      const { before } = event.data as AllReadData;
      return items.map((n) => (n.read || (before !== null && n.created_at > before) ? n : { ...n, read: true }));
    }
  }
}
