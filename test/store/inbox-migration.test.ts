/**
 * Migration 0005 (the inbox) upgrades a database made by the release before it in place: a store
 * migrated with 0001–0004 only (the released migrations, unchanged), holding notifications (for
 * everyone and for one user), a read and their events in the log, opens with every row intact, the
 * new columns and table there, the log going on from its offset, and the inbox working on the old
 * rows (counts, archive, a condition raised next to them). Running 0005 again is a
 * no-op (idempotent). On the configured store: SQLite here, PostgreSQL in the postgres project.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { up0005 } from '../../src/store/migration-0005.js';
import { migrations } from '../../src/store/migrations.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { Database } from '../../src/store/schema.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createNotificationService } from '../../src/services/notifications.js';
import type { Store, TopicEvent } from '../../src/store/types.js';
import { createPostgresDatabase, onPostgres } from '../services/database.js';

const RELEASED = ['0001_notifications_and_event_log', '0002_sessions', '0003_jobs_inventory', '0004_shared_state'];

interface Target {
  kysely(): Kysely<Database>;
  open(): Promise<Store>;
}

async function target(): Promise<Target> {
  if (onPostgres()) {
    const url = await createPostgresDatabase();
    return {
      kysely: () => new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) }),
      open: () => openPostgresStore({ url, eventLogMaxPerTopic: 1000 }),
    };
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aether-upgrade-')), 'db.sqlite');
  return {
    kysely: () => new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) }),
    open: () => openSqliteStore({ file, eventLogMaxPerTopic: 1000, checkpointIntervalMs: 0 }),
  };
}

/** A database as the previous release left it: its migrations, a notification for everyone, a read. */
async function previousRelease(t: Target): Promise<void> {
  const db = t.kysely();
  const released = Object.fromEntries(RELEASED.map((name) => [name, migrations[name]!]));
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => released } }).migrateToLatest();
  expect(error).toBeUndefined();
  await sql`insert into notifications (id, title, message, level, category, created_at, recipient, related_entity, metadata)
            values ('old-1', 'Old', 'from the last release', 'error', 'host', '2026-01-01T00:00:00.000Z', null, null, null)`.execute(db);
  await sql`insert into notification_reads (notification_id, user_id, read_at) values ('old-1', 'alice', '2026-01-02T00:00:00.000Z')`.execute(db);
  await sql`insert into notifications (id, title, message, level, category, created_at, recipient, related_entity, metadata)
            values ('old-2', 'Mine', 'for bob', 'warning', 'job', '2026-01-01T00:01:00.000Z', 'bob', '{"type":"job","id":"j1"}', '{"k":1}')`.execute(db);
  for (const [seq, id, audience] of [
    [1, 'old-1', null],
    [2, 'old-2', 'bob'],
  ] as const) {
    await sql`insert into events (topic, seq, type, action, audience, keys, data, created_at)
              values ('notifications', ${seq}, 'notification', 'created', ${audience}, null, ${JSON.stringify({ id })}, '2026-01-01T00:00:00.000Z')`.execute(
      db,
    );
  }
  await sql`insert into topic_heads (topic, head, floor) values ('notifications', 2, 0)`.execute(db);
  await db.destroy();
}

describe('migration 0005_inbox', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('upgrades a database made by the previous release in place', async () => {
    const t = await target();
    await previousRelease(t);
    store = await t.open();
    const seen = await store.read((tx) => tx.notifications.get('old-1', 'alice'));
    expect(seen).toMatchObject({ id: 'old-1', title: 'Old', read: true, condition_key: null, count: 1, last_seen_at: '2026-01-01T00:00:00.000Z' });
    expect(seen).toMatchObject({ resolved_at: null, seen: false, archived: false, snoozed_until: null, actions: null });
    expect(await store.read((tx) => tx.notifications.unreadCount('bob'))).toBe(2);
    // The new table works on the upgraded database.
    await store.write((tx) => tx.notifications.setState('old-1', 'bob', { archived_at: '2026-01-03T00:00:00.000Z' }));
    expect(await store.read((tx) => tx.notifications.countUnread('bob', { state: 'archived' }, new Date().toISOString()))).toBe(1);
    expect(await store.read((tx) => tx.notifications.get('old-2', 'bob'))).toMatchObject({
      recipient: 'bob',
      related_entity: { type: 'job', id: 'j1' },
      metadata: { k: 1 },
    });
    // The log goes on from the old head, its old events still there to replay.
    const log = await store.eventsAfter('notifications', 0, 10);
    expect(log.events.map((e) => e.offset)).toEqual([1, 2]);
    const events: TopicEvent[] = [];
    const bus = { publish: (event: TopicEvent) => void events.push(event), subscribe: () => () => undefined };
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const service = createNotificationService({ store, bus: bus as never, retention: { maxCount: 1000, maxAgeDays: 30 }, logger: quiet });
    await service.createNotification({ title: 'New', message: 'raised', level: 'error', condition_key: 'host:hv-1:down' });
    await service.createNotification({ title: 'New', message: 'again', level: 'error', condition_key: 'host:hv-1:down' });
    expect(events.map((e) => [e.offset, e.action])).toEqual([
      [3, 'created'],
      [4, 'raised'],
    ]);
    expect((await service.filterCountsAt('bob', [{ state: 'all' }, { state: 'inbox', categories: ['job'] }])).counts).toEqual([3, 1]);
  });

  it('is idempotent: running it again over a migrated database changes nothing', async () => {
    const t = await target();
    await previousRelease(t);
    store = await t.open();
    await store.close();
    store = undefined;
    const db = t.kysely();
    try {
      await up0005(db as unknown as Kysely<unknown>);
      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
      const names = rows.map((r) => r.name);
      // Later migrations (0006_user_access, …) follow; this one is about 0005.
      expect(names.slice(0, RELEASED.length + 1)).toEqual([...RELEASED, '0005_inbox']);
    } finally {
      await db.destroy();
    }
    store = await t.open();
    expect(await store.read((tx) => tx.notifications.get('old-1', 'alice'))).toMatchObject({ read: true, count: 1 });
  });
});
