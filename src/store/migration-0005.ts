/**
 * 0005: the operator's inbox. Conditions on notifications (`condition_key`, raise count, last seen,
 * resolved), action buttons, and per-user view state (seen, archived, snoozed) in its own table.
 *
 * Idempotent: every step first checks whether it is already there, so a database where the
 * migration ran partly (a crash between statements on SQLite, whose DDL Kysely's migrator runs
 * outside one transaction there) upgrades cleanly when it runs again.
 */
import { sql, type Kysely } from 'kysely';

const NEW_COLUMNS: ReadonlyArray<readonly [name: string, type: 'text' | 'integer', notNullDefault?: number]> = [
  ['condition_key', 'text'],
  ['raise_count', 'integer', 1],
  ['last_seen_at', 'text'],
  ['resolved_at', 'text'],
  ['actions', 'text'],
];

async function columnsOf(db: Kysely<unknown>, table: string): Promise<Set<string>> {
  const tables = await db.introspection.getTables();
  const found = tables.find((t) => t.name === table);
  return new Set(found?.columns.map((c) => c.name) ?? []);
}

export async function up0005(db: Kysely<unknown>): Promise<void> {
  const have = await columnsOf(db, 'notifications');
  for (const [name, type, fallback] of NEW_COLUMNS) {
    if (have.has(name)) continue;
    await db.schema
      .alterTable('notifications')
      .addColumn(name, type, (c) => (fallback === undefined ? c : c.notNull().defaultTo(fallback)))
      .execute();
  }
  // The constraint that makes "one active notification per condition" hold under concurrent
  // raises on any number of instances: a raise is an upsert against this index, never a check.
  await db.schema
    .createIndex('notifications_active_condition')
    .ifNotExists()
    .unique()
    .on('notifications')
    .column('condition_key')
    .where(sql.ref('resolved_at'), 'is', null)
    .execute();
  await db.schema.createIndex('notifications_condition').ifNotExists().on('notifications').columns(['condition_key', 'resolved_at']).execute();
  await db.schema
    .createTable('notification_states')
    .ifNotExists()
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text')
    .addColumn('archived_at', 'text')
    .addColumn('snoozed_until', 'text')
    .addPrimaryKeyConstraint('notification_states_pk', ['notification_id', 'user_id'])
    .execute();
  await db.schema.createIndex('notification_states_user').ifNotExists().on('notification_states').columns(['user_id']).execute();
  await db.schema.createIndex('notification_states_snoozed').ifNotExists().on('notification_states').columns(['snoozed_until']).execute();
}
