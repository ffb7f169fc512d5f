/**
 * Group commit (src/store/group-commit.ts): concurrent writes share one transaction, each in its
 * own savepoint. Checked twice: the mechanism on a real SQLite database (how many transactions,
 * which statements, a failing write, a failing commit), and the store's `write` on the configured
 * store (SQLite here, PostgreSQL in the postgres project), where a failing write must neither take
 * an offset nor lose the writes grouped with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGroupCommit, type SavepointStatement } from '../../src/store/group-commit.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { createPostgresDatabase, onPostgres } from '../services/database.js';

interface Db {
  items: { id: number; parent: number | null };
}

describe('createGroupCommit on SQLite', () => {
  let db: Kysely<Db>;
  let transactions: number;
  let statements: SavepointStatement[];

  function groupCommit(maxGroup: number) {
    return createGroupCommit<Transaction<Db>>({
      maxGroup,
      transaction: (body) => {
        transactions += 1;
        return db.transaction().execute(body);
      },
      statement: async (tx, statement) => {
        statements.push(statement);
        await sql.raw(statement).execute(tx);
      },
    });
  }

  const insert = (tx: Transaction<Db>, id: number, parent: number | null = null) => tx.insertInto('items').values({ id, parent }).execute();
  const ids = async () => (await db.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id);

  beforeEach(async () => {
    const sqlite = new SqliteDatabase(':memory:');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
    // A deferred foreign key is checked at COMMIT: the way to make a commit itself fail.
    await sql`create table items (id integer primary key, parent integer references items(id) deferrable initially deferred)`.execute(db);
    transactions = 0;
    statements = [];
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('gives writes of one event-loop turn one transaction, and settles them in order after the commit', async () => {
    const write = groupCommit(64);
    const settled: number[] = [];
    const writes = Array.from({ length: 10 }, (_, i) =>
      write(async (tx) => {
        await insert(tx, i + 1);
        return i + 1;
      }).then((v) => {
        settled.push(v);
        return v;
      }),
    );
    expect(await Promise.all(writes)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(settled).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(transactions).toBe(1);
    expect(statements.filter((s) => s === 'savepoint w')).toHaveLength(10);
    expect(await ids()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('runs a lone write in its own transaction without a savepoint', async () => {
    const write = groupCommit(64);
    await write((tx) => insert(tx, 1));
    await write((tx) => insert(tx, 2));
    expect(transactions).toBe(2);
    expect(statements).toEqual([]);
  });

  it('puts at most maxGroup writes in one transaction', async () => {
    const write = groupCommit(4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => write((tx) => insert(tx, i + 1))));
    expect(transactions).toBe(3);
    expect(await ids()).toHaveLength(10);
  });

  it('rolls a failing write back to its savepoint; it rejects alone and the rest of its group commits', async () => {
    const write = groupCommit(64);
    const results = await Promise.allSettled([
      write((tx) => insert(tx, 1)),
      write(async (tx) => {
        await insert(tx, 2);
        await insert(tx, 1); // primary key taken: this write fails after a change of its own
      }),
      write((tx) => insert(tx, 3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE|constraint/i);
    expect(transactions).toBe(1);
    expect(await ids()).toEqual([1, 3]);
  });

  it('rejects every write of a group whose commit fails, and none of them is kept', async () => {
    const write = groupCommit(64);
    const results = await Promise.allSettled([
      write((tx) => insert(tx, 1)),
      write((tx) => insert(tx, 2, 99)), // no item 99: the deferred key fails the COMMIT
      write((tx) => insert(tx, 3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect(String((r as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/i);
    expect(await ids()).toEqual([]);
    // The next write starts clean.
    await write((tx) => insert(tx, 4));
    expect(await ids()).toEqual([4]);
  });
});

describe(`store.write groups concurrent writes (${onPostgres() ? 'PostgreSQL' : 'SQLite'})`, () => {
  let store: Store;
  beforeAll(async () => {
    store = onPostgres()
      ? await openPostgresStore({ url: await createPostgresDatabase(), eventLogMaxPerTopic: 10_000 })
      : await openSqliteStore({ file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aether-group-')), 'db.sqlite'), eventLogMaxPerTopic: 10_000 });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('keeps offsets gap-free when writes of a group fail after appending', async () => {
    const failing = new Set([4, 11, 19]);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.write(async (tx) => {
          const event = await tx.appendEvent({ topic: 'group-test', type: 'test', action: 'created', data: { i } });
          if (failing.has(i)) throw new Error(`write ${i} fails after appending offset ${event.offset}`);
          return event.offset;
        }),
      ),
    );
    const offsets = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([
      expect.stringMatching(/^Error: write 4 fails/),
      expect.stringMatching(/^Error: write 11 fails/),
      expect.stringMatching(/^Error: write 19 fails/),
    ]);
    expect(offsets).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    const log = await store.eventsAfter('group-test', 0, 100);
    expect(log.head).toBe(17);
    expect(log.events.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => !failing.has(i)));
  });

  it('recovers from a database error inside a group (PostgreSQL aborts the transaction until the savepoint rollback)', async () => {
    const session = (id: string) => ({ id, userId: 'u', name: 'U', roles: [], createdAt: 1, lastSeenAt: 1, expiresAt: Date.now() + 60_000 });
    await store.write((tx) => tx.sessions.insert(session('taken')));
    const results = await Promise.allSettled([
      store.write((tx) => tx.sessions.insert(session('a'))),
      store.write(async (tx) => {
        await tx.sessions.insert(session('b'));
        await tx.sessions.insert(session('taken')); // duplicate key: the database refuses
      }),
      store.write((tx) => tx.sessions.insert(session('c'))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const kept = await store.read(async (tx) => Promise.all(['a', 'b', 'c'].map(async (id) => (await tx.sessions.get(id)) !== undefined)));
    expect(kept).toEqual([true, false, true]);
  });
});
