/** Notification rows ↔ objects, and the query of what one user sees with their state (one code path for SQLite and PostgreSQL). */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Notification, NotificationActionSpec, NotificationCategory, NotificationFilter, NotificationLevel, RelatedEntity } from '../protocol/index.js';
import type { Database, NotificationsTable } from './schema.js';
import type { StoredNotification } from './types.js';

export type Db = Kysely<Database> | Transaction<Database>;
export type Row = Selectable<NotificationsTable>;
/** A row with one user's state columns (null when they have none). */
export type UserRow = Row & {
  read_at: string | null;
  seen_at: string | null;
  archived_at: string | null;
  snoozed_until: string | null;
};

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function rowToStored(row: Row): StoredNotification {
  return {
    id: row.id,
    title: row.title,
    message: row.message,
    level: row.level as NotificationLevel,
    category: row.category as NotificationCategory,
    created_at: row.created_at,
    recipient: row.recipient,
    related_entity: parseJson<RelatedEntity>(row.related_entity),
    metadata: parseJson<Record<string, unknown>>(row.metadata),
    condition_key: row.condition_key,
    count: Number(row.raise_count),
    last_seen_at: row.last_seen_at ?? row.created_at,
    resolved_at: row.resolved_at,
    actions: parseJson<NotificationActionSpec[]>(row.actions),
  };
}

export function storedToRow(n: StoredNotification): Row {
  return {
    id: n.id,
    title: n.title,
    message: n.message,
    level: n.level,
    category: n.category,
    created_at: n.created_at,
    recipient: n.recipient,
    related_entity: n.related_entity === null ? null : JSON.stringify(n.related_entity),
    metadata: n.metadata === null ? null : JSON.stringify(n.metadata),
    condition_key: n.condition_key,
    raise_count: n.count,
    last_seen_at: n.last_seen_at,
    resolved_at: n.resolved_at,
    actions: n.actions === null ? null : JSON.stringify(n.actions),
  };
}

/** `stored` as a user sees it, with their state (none: unread, unseen, in the inbox). */
export function viewOf(
  stored: StoredNotification,
  state: { read_at: string | null; seen_at: string | null; archived_at: string | null; snoozed_until: string | null },
): Notification {
  return {
    id: stored.id,
    title: stored.title,
    message: stored.message,
    level: stored.level,
    category: stored.category,
    created_at: stored.created_at,
    read: state.read_at !== null,
    recipient: stored.recipient,
    related_entity: stored.related_entity,
    metadata: stored.metadata,
    condition_key: stored.condition_key,
    count: stored.count,
    last_seen_at: stored.last_seen_at,
    resolved_at: stored.resolved_at,
    seen: state.seen_at !== null,
    archived: state.archived_at !== null,
    snoozed_until: state.snoozed_until,
    actions: stored.actions,
  };
}

export function toNotification(row: UserRow): Notification {
  const { read_at, seen_at, archived_at, snoozed_until, ...rest } = row;
  return viewOf(rowToStored(rest), { read_at, seen_at, archived_at, snoozed_until });
}

/** Rows `user` may see, each with `user`'s read time and view state (null when none). */
export function visibleTo(db: Db, user: string) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('notification_reads as r', (join) => join.onRef('r.notification_id', '=', 'n.id').on('r.user_id', '=', user))
    .leftJoin('notification_states as s', (join) => join.onRef('s.notification_id', '=', 'n.id').on('s.user_id', '=', user))
    .where((eb) => eb.or([eb('n.recipient', 'is', null), eb('n.recipient', '=', user)]));
}

export type Visible = ReturnType<typeof visibleTo>;

/** The selection every user-facing read takes. */
export function selectView(query: Visible) {
  return query.selectAll('n').select(['r.read_at', 's.seen_at', 's.archived_at', 's.snoozed_until']);
}

/** Narrows `query` to `filter` at `now` (protocol/inbox.ts `matchesFilter`, in SQL). */
export function applyFilter(query: Visible, filter: NotificationFilter, now: string): Visible {
  let q = query;
  if (filter.levels !== undefined && filter.levels.length > 0) q = q.where('n.level', 'in', [...filter.levels]);
  if (filter.categories !== undefined && filter.categories.length > 0) q = q.where('n.category', 'in', [...filter.categories]);
  const state = filter.state ?? 'inbox';
  if (state === 'archived') q = q.where('s.archived_at', 'is not', null);
  else if (state === 'snoozed') q = q.where('s.archived_at', 'is', null).where('s.snoozed_until', '>', now);
  else if (state === 'inbox') {
    q = q.where('s.archived_at', 'is', null).where((eb) => eb.or([eb('s.snoozed_until', 'is', null), eb('s.snoozed_until', '<=', now)]));
  }
  if (filter.condition_key !== undefined) q = q.where('n.condition_key', '=', filter.condition_key);
  if (filter.seen !== undefined) q = q.where('s.seen_at', filter.seen ? 'is not' : 'is', null);
  switch (filter.condition ?? 'any') {
    case 'none':
      return q.where('n.condition_key', 'is', null);
    case 'active':
      return q.where('n.condition_key', 'is not', null).where('n.resolved_at', 'is', null);
    case 'resolved':
      return q.where('n.condition_key', 'is not', null).where('n.resolved_at', 'is not', null);
    case 'unresolved':
      return q.where('n.resolved_at', 'is', null);
    default:
      return q;
  }
}
