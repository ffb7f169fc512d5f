/** Notification queries, one code path for SQLite and PostgreSQL. */
import { sql } from 'kysely';
import { applyFilter, rowToStored, selectView, storedToRow, toNotification, visibleTo, type Db, type Row } from './notification-rows.js';
import { prepared } from './prepared.js';
import { bulkTargets, countUnread, endSnoozes, setState } from './notification-states-repo.js';
import type { NotificationPage, NotificationQuery, NotificationRepo, StatePatch, StoredNotification } from './types.js';
import type { Notification, NotificationFilter } from '../protocol/index.js';

export { rowToStored } from './notification-rows.js';

/**
 * How many notifications `user` sees and how many of those they have read. Each is an index range
 * count, with no join: a read row exists only for a notification its user may see (setRead and
 * markAllRead check visibility, and deleting a notification deletes its reads).
 */
async function visibleCounts(db: Db, user: string): Promise<{ total: number; read: number }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('notifications')
        .where('recipient', 'is', null)
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .as('everyone'),
      eb
        .selectFrom('notifications')
        .where('recipient', '=', user)
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .as('personal'),
      eb
        .selectFrom('notification_reads')
        .where('user_id', '=', user)
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .as('read'),
    ])
    .executeTakeFirstOrThrow();
  return { total: Number(row.everyone) + Number(row.personal), read: Number(row.read) };
}

async function list(db: Db, q: NotificationQuery): Promise<NotificationPage> {
  let query = visibleTo(db, q.user);
  if (q.filter !== undefined) query = applyFilter(query, q.filter, q.now ?? new Date().toISOString());
  if (q.unreadOnly) query = query.where('r.read_at', 'is', null);
  const cursor = q.cursor;
  if (cursor !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('n.created_at', '<', cursor.createdAt), eb.and([eb('n.created_at', '=', cursor.createdAt), eb('n.id', '<', cursor.id)])]),
    );
  }
  const rows = await selectView(query)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(q.limit + 1)
    .execute();
  const counts = await visibleCounts(db, q.user);
  const page = rows.slice(0, q.limit).map(toNotification);
  const last = page[page.length - 1];
  return {
    notifications: page,
    totalCount: counts.total,
    unreadCount: counts.total - counts.read,
    next: rows.length > q.limit && last !== undefined ? { createdAt: last.created_at, id: last.id } : null,
  };
}

/** The upsert against the partial unique index `notifications_active_condition` (migration 0004). */
async function raise(db: Db, n: StoredNotification): Promise<{ stored: StoredNotification; created: boolean }> {
  const row = await db
    .insertInto('notifications')
    .values(storedToRow(n))
    .onConflict((oc) =>
      oc
        .column('condition_key')
        .where('resolved_at', 'is', null)
        .doUpdateSet({
          raise_count: sql`notifications.raise_count + 1`,
          last_seen_at: (eb) => eb.ref('excluded.last_seen_at'),
          message: (eb) => eb.ref('excluded.message'),
        }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { stored: rowToStored(row), created: row.id === n.id };
}

async function overflow(db: Db, keep: number): Promise<readonly StoredNotification[]> {
  // Probe on the (created_at, id) index alone: is there a row past the newest `keep`?
  const newestDropped = await db
    .selectFrom('notifications')
    .select(['created_at', 'id'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (newestDropped === undefined) return [];
  const rows = await db
    .selectFrom('notifications')
    .selectAll()
    .where((eb) =>
      eb.or([eb('created_at', '<', newestDropped.created_at), eb.and([eb('created_at', '=', newestDropped.created_at), eb('id', '<=', newestDropped.id)])]),
    )
    .orderBy('created_at')
    .orderBy('id')
    .limit(10_000)
    .execute();
  return rows.map(rowToStored);
}

async function markAllRead(db: Db, user: string, before: string | null, at: string): Promise<number> {
  let unread = visibleTo(db, user).where('r.read_at', 'is', null).select('n.id');
  if (before !== null) unread = unread.where('n.created_at', '<=', before);
  const result = await db
    .insertInto('notification_reads')
    .columns(['notification_id', 'user_id', 'read_at'])
    .expression(unread.select([sql<string>`cast(${user} as text)`.as('user_id'), sql<string>`cast(${at} as text)`.as('read_at')]) as never)
    .onConflict((oc) => oc.columns(['notification_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

async function setRead(db: Db, id: string, user: string, read: boolean, at: string): Promise<boolean> {
  if (read) {
    const result = await db
      .insertInto('notification_reads')
      .values({ notification_id: id, user_id: user, read_at: at })
      .onConflict((oc) => oc.columns(['notification_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  const result = await db.deleteFrom('notification_reads').where('notification_id', '=', id).where('user_id', '=', user).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

const insertRow = prepared(
  {
    id: true,
    title: true,
    message: true,
    level: true,
    category: true,
    created_at: true,
    recipient: true,
    related_entity: true,
    metadata: true,
    condition_key: true,
    raise_count: true,
    last_seen_at: true,
    resolved_at: true,
    actions: true,
  },
  (db, row: Row) => db.insertInto('notifications').values(row),
);

/**
 * The repository of one transaction: methods on a prototype, so that making one (every write and
 * read that touches notifications does) costs one small object; a literal of two dozen closures
 * spread together cost more CPU than the insert it was made for (bench/publish-cost.mjs profile).
 */
class KyselyNotificationRepo implements NotificationRepo {
  constructor(private readonly db: Db) {}

  async insert(n: StoredNotification): Promise<void> {
    await insertRow(this.db, storedToRow(n));
  }
  raise(n: StoredNotification): ReturnType<NotificationRepo['raise']> {
    return raise(this.db, n);
  }
  async resolve(conditionKey: string, at: string): Promise<StoredNotification | undefined> {
    const row = await this.db
      .updateTable('notifications')
      .set({ resolved_at: at })
      .where('condition_key', '=', conditionKey)
      .where('resolved_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : rowToStored(row);
  }
  async stored(id: string): Promise<StoredNotification | undefined> {
    const row = await this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : rowToStored(row);
  }
  async delete(id: string): Promise<boolean> {
    await this.db.deleteFrom('notification_reads').where('notification_id', '=', id).execute();
    await this.db.deleteFrom('notification_states').where('notification_id', '=', id).execute();
    const result = await this.db.deleteFrom('notifications').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
  overflow(keep: number): Promise<readonly StoredNotification[]> {
    return overflow(this.db, keep);
  }
  async createdBefore(cutoff: string, limit: number): Promise<readonly StoredNotification[]> {
    const rows = await this.db.selectFrom('notifications').selectAll().where('created_at', '<', cutoff).orderBy('created_at').limit(limit).execute();
    return rows.map(rowToStored);
  }
  async get(id: string, user: string): Promise<Notification | undefined> {
    const row = await selectView(visibleTo(this.db, user)).where('n.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toNotification(row);
  }
  list(q: NotificationQuery): Promise<NotificationPage> {
    return list(this.db, q);
  }
  async unreadCount(user: string): Promise<number> {
    const counts = await visibleCounts(this.db, user);
    return counts.total - counts.read;
  }
  setRead(id: string, user: string, read: boolean, at: string): Promise<boolean> {
    return setRead(this.db, id, user, read, at);
  }
  markAllRead(user: string, before: string | null, at: string): Promise<number> {
    return markAllRead(this.db, user, before, at);
  }
  setState(id: string, user: string, patch: StatePatch): Promise<boolean> {
    return setState(this.db, id, user, patch);
  }
  endSnoozes(now: string, limit: number): ReturnType<NotificationRepo['endSnoozes']> {
    return endSnoozes(this.db, now, limit);
  }
  countUnread(user: string, filter: NotificationFilter, now: string): Promise<number> {
    return countUnread(this.db, user, filter, now);
  }
  bulkTargets(user: string, op: 'read' | 'archive', filter: NotificationFilter, cutoff: string, now: string, limit: number): Promise<readonly string[]> {
    return bulkTargets(this.db, user, op, filter, cutoff, now, limit);
  }
}

export function createNotificationRepo(db: Db): NotificationRepo {
  return new KyselyNotificationRepo(db);
}
