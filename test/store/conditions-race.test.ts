/**
 * Two transactions raising one condition at once, each on its own PostgreSQL connection and
 * without the store's write lock, leave one row: the partial unique index decides, not a check.
 * PostgreSQL only (the postgres project): two SQLite connections in one process block each other's
 * event loop on the file lock, and SQLite's single writer makes the race impossible there anyway.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createNotificationRepo } from '../../src/store/notifications-repo.js';
import type { Database } from '../../src/store/schema.js';
import { createPostgresDatabase, onPostgres } from '../services/database.js';
import { stored } from './condition-fixtures.js';

describe('conditions raised at once (PostgreSQL)', () => {
  const dbs: Array<Kysely<Database>> = [];
  beforeAll(async () => {
    if (!onPostgres()) throw new Error('this suite needs TEST_DATABASE=postgres (the postgres vitest project)');
    const url = await createPostgresDatabase();
    for (let i = 0; i < 2; i++) dbs.push(new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) }));
    await migrateToLatest(dbs[0]!);
  });
  afterAll(async () => {
    for (const db of dbs) await db.destroy();
  });

  it('leaves one row when two connections raise the same condition at once', async () => {
    const key = `host:race-${Date.now()}:unreachable`;
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      // Each transaction holds its insert open a moment, so the other's insert meets the
      // uncommitted row in the index and must wait for it, then take the update path.
      const both = dbs.map((db) =>
        db.transaction().execute(async (trx) => {
          const result = await createNotificationRepo(trx).raise(stored(key));
          await new Promise((resolve) => setTimeout(resolve, 20));
          return result;
        }),
      );
      const results = await Promise.all(both);
      expect(results.filter((r) => r.created).length).toBeLessThanOrEqual(1);
    }
    const rows = await dbs[0]!.selectFrom('notifications').select(['id', 'raise_count']).where('condition_key', '=', key).execute();
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.raise_count)).toBe(rounds * 2);
  });
});
