/** Per-user view state of notifications (seen, archived, snoozed), filtered counts and bulk targets. */
import type { NotificationFilter } from '../protocol/index.js';
import { applyFilter, visibleTo, type Db } from './notification-rows.js';
import type { StatePatch } from './types.js';

export async function setState(db: Db, id: string, user: string, patch: StatePatch): Promise<boolean> {
  const current = await db
    .selectFrom('notification_states')
    .select(['seen_at', 'archived_at', 'snoozed_until'])
    .where('notification_id', '=', id)
    .where('user_id', '=', user)
    .executeTakeFirst();
  const before = current ?? { seen_at: null, archived_at: null, snoozed_until: null };
  // Seen and archived keep their first time; what matters is whether they are set.
  const next = {
    seen_at: patch.seen_at === undefined || (patch.seen_at !== null && before.seen_at !== null) ? before.seen_at : patch.seen_at,
    archived_at: patch.archived_at === undefined || (patch.archived_at !== null && before.archived_at !== null) ? before.archived_at : patch.archived_at,
    snoozed_until: patch.snoozed_until === undefined ? before.snoozed_until : patch.snoozed_until,
  };
  if (next.seen_at === before.seen_at && next.archived_at === before.archived_at && next.snoozed_until === before.snoozed_until) return false;
  if (next.seen_at === null && next.archived_at === null && next.snoozed_until === null) {
    await db.deleteFrom('notification_states').where('notification_id', '=', id).where('user_id', '=', user).execute();
    return true;
  }
  await db
    .insertInto('notification_states')
    .values({ notification_id: id, user_id: user, ...next })
    .onConflict((oc) => oc.columns(['notification_id', 'user_id']).doUpdateSet(next))
    .execute();
  return true;
}

export async function endSnoozes(db: Db, now: string, limit: number): Promise<Array<{ id: string; user: string }>> {
  const due = await db
    .selectFrom('notification_states')
    .select(['notification_id', 'user_id'])
    .where('snoozed_until', '<=', now)
    .orderBy('snoozed_until')
    .limit(limit)
    .execute();
  for (const row of due) {
    await db
      .updateTable('notification_states')
      .set({ snoozed_until: null })
      .where('notification_id', '=', row.notification_id)
      .where('user_id', '=', row.user_id)
      .execute();
  }
  return due.map((row) => ({ id: row.notification_id, user: row.user_id }));
}

export async function countUnread(db: Db, user: string, filter: NotificationFilter, now: string): Promise<number> {
  const row = await applyFilter(visibleTo(db, user), filter, now)
    .where('r.read_at', 'is', null)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function bulkTargets(
  db: Db,
  user: string,
  op: 'read' | 'archive',
  filter: NotificationFilter,
  cutoff: string,
  now: string,
  limit: number,
): Promise<string[]> {
  let query = applyFilter(visibleTo(db, user), filter, now).where('n.created_at', '<=', cutoff);
  query = op === 'read' ? query.where('r.read_at', 'is', null) : query.where('s.archived_at', 'is', null);
  const rows = await query.select('n.id').orderBy('n.created_at').orderBy('n.id').limit(limit).execute();
  return rows.map((r) => r.id);
}
