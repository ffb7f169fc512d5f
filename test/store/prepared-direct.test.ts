/**
 * SQLite's direct path for prepared queries (prepared.ts `runInTransactionsWith`, sqlite.ts
 * `sqliteDirectRunner`): inside a transaction they run on better-sqlite3 at once, with the results
 * Kysely gives; outside one they wait for the connection as before, so a query on the database
 * never runs inside another caller's open transaction. SQLite only: PostgreSQL has no such path.
 */
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInTransactionsWith, runSql, type DirectRunner } from '../../src/store/prepared.js';
import type { Database } from '../../src/store/schema.js';
import { sqliteDirectRunner } from '../../src/store/sqlite.js';
import { selectHead, setFloor, upsertHead } from './topic-heads-queries.js';

describe('prepared queries on SQLite, directly inside transactions', () => {
  let sqlite: SqliteDatabase.Database;
  let db: Kysely<Database>;
  let direct: string[];

  beforeEach(async () => {
    sqlite = new SqliteDatabase(':memory:');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    direct = [];
    const runner = sqliteDirectRunner((text) => sqlite.prepare(text));
    const counting: DirectRunner = (text, parameters) => {
      direct.push(text.split(' ')[0] as string);
      return runner(text, parameters);
    };
    runInTransactionsWith(db, counting);
    await sql`create table topic_heads (topic text primary key, head bigint not null, floor bigint not null)`.execute(db);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('runs inside a transaction without Kysely, with the results Kysely gives', async () => {
    await upsertHead(db, { topic: 'a' });
    expect(direct).toEqual([]);
    const viaKysely = await setFloor(db, { topic: 'a', floor: 1 });
    await db.transaction().execute(async (trx) => {
      expect(Number((await upsertHead(trx, { topic: 'a' })).rows[0]?.head)).toBe(2);
      const updated = await setFloor(trx, { topic: 'a', floor: 2 });
      expect(updated).toEqual({ ...viaKysely, insertId: updated.insertId });
      expect(Number(updated.numAffectedRows)).toBe(1);
      expect((await selectHead(trx, { topic: 'a' })).rows).toEqual([{ topic: 'a', head: 2, floor: 2 }]);
      await runSql(trx, 'savepoint w');
      await runSql(trx, 'release savepoint w');
    });
    expect(direct).toEqual(['insert', 'update', 'select', 'savepoint', 'release']);
    // Committed: the same row through Kysely, outside any transaction.
    expect((await selectHead(db, { topic: 'a' })).rows).toEqual(await db.selectFrom('topic_heads').selectAll().execute());
  });

  it('never runs a query on the database inside another caller’s open transaction', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writing = db.transaction().execute(async (trx) => {
      await upsertHead(trx, { topic: 'x' });
      await gate;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    let seen: unknown;
    const reading = selectHead(db, { topic: 'x' }).then((result) => (seen = result.rows));
    await new Promise((resolve) => setTimeout(resolve, 30));
    // It waits for the connection rather than reading the uncommitted row on it.
    expect(seen).toBeUndefined();
    release();
    await writing;
    await reading;
    expect(seen).toEqual([{ topic: 'x', head: 1, floor: 0 }]);
    expect(direct).toEqual(['insert']);
  });

  it('rolls back what it ran when the transaction throws', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await upsertHead(trx, { topic: 'gone' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await selectHead(db, { topic: 'gone' })).rows).toEqual([]);
  });
});
