/**
 * Prepared queries (src/store/prepared.ts): built and compiled once per dialect, run with new
 * values. On the configured database (SQLite here, PostgreSQL in the postgres project): every run
 * writes and reads its own values, the query's constants stay, and a query the markers cannot
 * describe (a field left out of the SQL, a value written into its text) or an undefined value
 * fails loudly instead of writing the wrong row.
 */
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepared } from '../../src/store/prepared.js';
import type { Database } from '../../src/store/schema.js';
import { createPostgresDatabase, onPostgres } from '../services/database.js';
import { selectHead, setFloor, upsertHead } from './topic-heads-queries.js';

describe(`prepared queries on ${onPostgres() ? 'PostgreSQL' : 'SQLite'}`, () => {
  let db: Kysely<Database>;

  beforeEach(async () => {
    db = onPostgres()
      ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: await createPostgresDatabase(), max: 2 }) }) })
      : new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
    await sql`create table topic_heads (topic text primary key, head bigint not null, floor bigint not null)`.execute(db);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('runs each time with its own values, keeping the query constants, in and out of transactions', async () => {
    const heads: number[] = [];
    for (const topic of ['a', 'b', 'a', 'a', 'c', 'b']) heads.push(Number((await upsertHead(db, { topic })).rows[0]?.head));
    expect(heads).toEqual([1, 1, 2, 3, 1, 2]);
    await db.transaction().execute(async (trx) => {
      expect(Number((await upsertHead(trx, { topic: 'c' })).rows[0]?.head)).toBe(2);
      const updated = await setFloor(trx, { topic: 'a', floor: 2 });
      expect(Number(updated.numAffectedRows)).toBe(1);
    });
    const rows = await Promise.all(['a', 'b', 'c', 'none'].map(async (topic) => (await selectHead(db, { topic })).rows[0]));
    expect(rows.map((r) => (r === undefined ? undefined : [r.topic, Number(r.head), Number(r.floor)]))).toEqual([
      ['a', 3, 2],
      ['b', 2, 0],
      ['c', 2, 0],
      undefined,
    ]);
    // The same as Kysely's own query, built afresh.
    const built = await db.selectFrom('topic_heads').select(['topic', 'head', 'floor']).where('topic', '=', 'a').execute();
    expect((await selectHead(db, { topic: 'a' })).rows).toEqual(built);
  });

  it('refuses a field that does not become a parameter, naming it', async () => {
    const forgotten = prepared({ topic: true, floor: true }, (d, p: { topic: string; floor: number }) =>
      d.selectFrom('topic_heads').selectAll().where('topic', '=', p.topic),
    );
    await expect(forgotten(db, { topic: 'a', floor: 1 })).rejects.toThrow(/floor did not become parameters/);
  });

  it('refuses a value written into the SQL text', async () => {
    const inlined = prepared({ topic: true }, (d, p: { topic: string }) => d.selectFrom('topic_heads').selectAll().where('topic', '=', sql.lit(p.topic)));
    await expect(inlined(db, { topic: 'a' })).rejects.toThrow(/written into the SQL text/);
  });

  it('refuses an undefined value instead of writing NULL', async () => {
    await expect(setFloor(db, { topic: 'a', floor: undefined as unknown as number })).rejects.toThrow(/floor is undefined/);
    expect((await selectHead(db, { topic: 'a' })).rows).toEqual([]);
  });
});
