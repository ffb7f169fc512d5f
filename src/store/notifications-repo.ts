/** Notification queries, one code path for SQLite and PostgreSQL. */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Notification, NotificationCategory, NotificationLevel, RelatedEntity } from '../protocol/index.js';
import type { Database, NotificationsTable } from './schema.js';
import type { NotificationPage, NotificationQuery, NotificationRepo, StoredNotification } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;
type Row = Selectable<NotificationsTable>;

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
  };
}

function toNotification(row: Row & { read_at: string | null }): Notification {
  const { read_at, ...rest } = row;
  const stored = rowToStored(rest);
  return {
    id: stored.id,
    title: stored.title,
    message: stored.message,
    level: stored.level,
    category: stored.category,
    created_at: stored.created_at,
    read: read_at !== null,
    recipient: stored.recipient,
    related_entity: stored.related_entity,
    metadata: stored.metadata,
  };
}

/** Rows `user` may see, each with `user`'s read time (null when unread). */
function visibleTo(db: Db, user: string) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('notification_reads as r', (join) => join.onRef('r.notification_id', '=', 'n.id').on('r.user_id', '=', user))
    .where((eb) => eb.or([eb('n.recipient', 'is', null), eb('n.recipient', '=', user)]));
}

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

export function createNotificationRepo(db: Db): NotificationRepo {
  const repo: NotificationRepo = {
    async insert(n) {
      await db
        .insertInto('notifications')
        .values({
          id: n.id,
          title: n.title,
          message: n.message,
          level: n.level,
          category: n.category,
          created_at: n.created_at,
          recipient: n.recipient,
          related_entity: n.related_entity === null ? null : JSON.stringify(n.related_entity),
          metadata: n.metadata === null ? null : JSON.stringify(n.metadata),
        })
        .execute();
    },

    async get(id, user) {
      const row = await visibleTo(db, user).selectAll('n').select('r.read_at').where('n.id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toNotification(row);
    },

    async list(q: NotificationQuery): Promise<NotificationPage> {
      let query = visibleTo(db, q.user).selectAll('n').select('r.read_at');
      if (q.unreadOnly) query = query.where('r.read_at', 'is', null);
      const cursor = q.cursor;
      if (cursor !== undefined) {
        query = query.where((eb) =>
          eb.or([eb('n.created_at', '<', cursor.createdAt), eb.and([eb('n.created_at', '=', cursor.createdAt), eb('n.id', '<', cursor.id)])]),
        );
      }
      const rows = await query
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
    },

    async unreadCount(user) {
      const counts = await visibleCounts(db, user);
      return counts.total - counts.read;
    },

    async setRead(id, user, read, at) {
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
    },

    async markAllRead(user, before, at) {
      let unread = visibleTo(db, user).where('r.read_at', 'is', null).select('n.id');
      if (before !== null) unread = unread.where('n.created_at', '<=', before);
      const result = await db
        .insertInto('notification_reads')
        .columns(['notification_id', 'user_id', 'read_at'])
        .expression(unread.select([sql<string>`cast(${user} as text)`.as('user_id'), sql<string>`cast(${at} as text)`.as('read_at')]) as never)
        .onConflict((oc) => oc.columns(['notification_id', 'user_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0);
    },

    async delete(id) {
      await db.deleteFrom('notification_reads').where('notification_id', '=', id).execute();
      const result = await db.deleteFrom('notifications').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async overflow(keep) {
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
    },

    async createdBefore(cutoff, limit) {
      const rows = await db.selectFrom('notifications').selectAll().where('created_at', '<', cutoff).orderBy('created_at').limit(limit).execute();
      return rows.map(rowToStored);
    },
  };
  return repo;
}
