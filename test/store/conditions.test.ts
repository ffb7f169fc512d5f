/**
 * Conditions in the store: raise inserts, raising an active condition again updates that row
 * (count, last seen, message), resolve ends it, and the next raise starts a new one. Uniqueness is
 * the database's (a partial unique index), not a check: a plain duplicate insert fails, and two
 * transactions raising one condition at once leave one row (conditions-race.test.ts, PostgreSQL).
 * On SQLite here, PostgreSQL in the postgres project.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createNotificationRepo } from '../../src/store/notifications-repo.js';
import type { Database } from '../../src/store/schema.js';
import { createPostgresDatabase, onPostgres } from '../services/database.js';
import { stored } from './condition-fixtures.js';

describe('conditions in the store', () => {
  const dbs: Array<Kysely<Database>> = [];
  let open: () => Kysely<Database>;
  beforeAll(async () => {
    if (onPostgres()) {
      const url = await createPostgresDatabase();
      open = () => new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
    } else {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aether-cond-')), 'db.sqlite');
      open = () => {
        const sqlite = new SqliteDatabase(file);
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('busy_timeout = 5000');
        return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
      };
    }
    dbs.push(open(), open());
    await migrateToLatest(dbs[0]!);
  });
  afterAll(async () => {
    for (const db of dbs) await db.destroy();
  });

  it('raises, re-raises (count and last seen) and resolves one condition', async () => {
    const repo = createNotificationRepo(dbs[0]!);
    const first = stored('host:hv-03:unreachable', 'first');
    expect(await repo.raise(first)).toMatchObject({ created: true, stored: { id: first.id, count: 1 } });
    const again = stored('host:hv-03:unreachable', 'second');
    const raised = await repo.raise(again);
    expect(raised.created).toBe(false);
    expect(raised.stored).toMatchObject({ id: first.id, count: 2, message: 'second', last_seen_at: again.last_seen_at, created_at: first.created_at });
    const resolved = await repo.resolve('host:hv-03:unreachable', '2026-02-01T00:00:00.000Z');
    expect(resolved).toMatchObject({ id: first.id, resolved_at: '2026-02-01T00:00:00.000Z', count: 2 });
    expect(await repo.resolve('host:hv-03:unreachable', '2026-02-02T00:00:00.000Z')).toBeUndefined();
    // After a resolve the condition may be raised anew: a new row.
    const later = stored('host:hv-03:unreachable');
    expect(await repo.raise(later)).toMatchObject({ created: true, stored: { id: later.id, count: 1 } });
  });

  it('enforces one active row per condition in the database, not in code', async () => {
    const repo = createNotificationRepo(dbs[0]!);
    await repo.insert(stored('vm:web-01:down'));
    await expect(repo.insert(stored('vm:web-01:down'))).rejects.toThrow(/unique|UNIQUE/);
    // Without a condition there is no constraint.
    await repo.insert(stored(null));
    await repo.insert(stored(null));
  });
});
