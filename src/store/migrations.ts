/**
 * Versioned schema migrations, applied in name order by Kysely's Migrator and recorded in its
 * `kysely_migration` table. Never edit a released migration: add the next one.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { up0005 } from './migration-0005.js';
import { up0006 } from './migration-0006.js';

export const migrations: Record<string, Migration> = {
  '0001_notifications_and_event_log': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text')
        .addColumn('related_entity', 'text')
        .addColumn('metadata', 'text')
        .execute();
      await db.schema.createIndex('notifications_created').on('notifications').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('notifications_recipient').on('notifications').columns(['recipient', 'created_at']).execute();
      await db.schema
        .createTable('notification_reads')
        .addColumn('notification_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('read_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notification_reads_pk', ['notification_id', 'user_id'])
        .execute();
      await db.schema.createIndex('notification_reads_user').on('notification_reads').columns(['user_id']).execute();
      await db.schema
        .createTable('topic_heads')
        .addColumn('topic', 'text', (c) => c.primaryKey())
        .addColumn('head', 'bigint', (c) => c.notNull())
        .addColumn('floor', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('audience', 'text')
        .addColumn('keys', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['topic', 'seq'])
        .execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('principal', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal', 'key'])
        .execute();
      await sql`insert into meta (key, value) values ('epoch', ${randomEpoch()})`.execute(db);
    },
    async down(): Promise<void> {
      throw new Error('0001 cannot be reverted');
    },
  },
  '0002_sessions': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_expires').on('sessions').columns(['expires_at']).execute();
      await db.schema.createIndex('sessions_last_seen').on('sessions').columns(['last_seen_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('sessions').execute();
    },
  },
  '0003_jobs_inventory': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('clusters')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('hosts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('cluster_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('last_seen', 'text')
        .addColumn('cpu_cores', 'integer', (c) => c.notNull())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('cpu_usage_percent', 'integer', (c) => c.notNull())
        .addColumn('memory_usage_percent', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('vms')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('cpu_count', 'integer', (c) => c.notNull())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('vms_pk', ['host_id', 'name'])
        .execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('progress', 'integer', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('output_count', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_created').on('jobs').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('jobs_status').on('jobs').columns(['status']).execute();
      await db.schema
        .createTable('job_output')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_output_pk', ['job_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['job_output', 'jobs', 'vms', 'hosts', 'clusters']) await db.schema.dropTable(table).execute();
    },
  },
  // State instances share when PostgreSQL is the only shared service (no REDIS_URL): the used
  // ws-token ids (bus/postgres.ts) and the rate-limit counters (auth/limits.ts, in the layout
  // rate-limiter-flexible's RateLimiterPostgres expects). SQLite gets the tables too and never
  // uses them. `if not exists`: safe where a rate limiter created its table before.
  '0004_shared_state': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('rate_limits')
        .ifNotExists()
        .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expire', 'bigint')
        .execute();
      await db.schema
        .createTable('ws_token_jti')
        .ifNotExists()
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ws_token_jti_expires').ifNotExists().on('ws_token_jti').columns(['expires_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['ws_token_jti', 'rate_limits']) await db.schema.dropTable(table).ifExists().execute();
    },
  },
  '0005_inbox': {
    up: up0005,
    async down(): Promise<void> {
      throw new Error('0005 cannot be reverted');
    },
  },
  '0006_user_access': {
    up: up0006,
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('sessions_user').ifExists().execute();
      await db.schema.dropTable('user_access').ifExists().execute();
    },
  },
};

function randomEpoch(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16);
}
