/**
 * 0006: what administrators decided about users (the admin API): blocked, or roles taken away,
 * applied at every authentication on top of what the identity provider says; and an index on
 * sessions by user, so that disconnecting a user ends their sessions without a scan.
 *
 * Idempotent (`ifNotExists`), like 0005.
 */
import type { Kysely } from 'kysely';

export async function up0006(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_access')
    .ifNotExists()
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('blocked', 'integer', (c) => c.notNull())
    .addColumn('revoked_roles', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').ifNotExists().on('sessions').columns(['user_id']).execute();
}
