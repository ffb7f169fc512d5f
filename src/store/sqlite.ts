/** Opens (and migrates) the embedded SQLite store. */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from './migrate.js';
import { createKyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly file: string;
  readonly eventLogMaxPerTopic: number;
  readonly now?: () => Date;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.file !== ':memory:') fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const sqlite = new SqliteDatabase(options.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const epoch = await migrateToLatest(db);
  return createKyselyStore({ db, dialect: 'sqlite', epoch, now: options.now ?? (() => new Date()), eventLogMaxPerTopic: options.eventLogMaxPerTopic });
}

/**
 * Kysely prepares every query afresh; better-sqlite3 statements are reusable, so keep the prepared
 * statement per SQL text (the query builder produces a bounded set of texts).
 */
function withStatementCache(sqlite: SqliteDatabase.Database, maxEntries = 500): { close(): void; prepare(sql: string): SqliteDatabase.Statement } {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        if (statements.size >= maxEntries) statements.clear();
        statements.set(sql, (statement = sqlite.prepare(sql)));
      }
      return statement;
    },
  };
}
