/** Opens (and migrates) the embedded SQLite store. */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import type { Logger } from '../shared/logger.js';
import { migrateToLatest } from './migrate.js';
import { runInTransactionsWith, type DirectRunner } from './prepared.js';
import { startCheckpointer } from './sqlite-checkpoint.js';
import { createKyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly file: string;
  readonly eventLogMaxPerTopic: number;
  readonly now?: () => Date;
  /**
   * Begin every transaction with BEGIN IMMEDIATE (WORKERS=N: several processes on one file). A
   * deferred transaction that reads and then writes fails with SQLITE_BUSY when another process
   * wrote in between; an immediate one waits for the lock (busy_timeout) instead.
   */
  readonly immediate?: boolean;
  /**
   * WAL checkpoints every this many ms from a worker thread instead of inside commits on the
   * event loop (see sqlite-checkpoint.ts); 0 leaves SQLite's automatic checkpoint on.
   * Default 1000.
   */
  readonly checkpointIntervalMs?: number;
  /** Most writes sharing one transaction (group commit); default 64. */
  readonly writeGroupMax?: number;
  /** Where checkpoint failures are reported. */
  readonly logger?: Pick<Logger, 'warn'>;
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.file !== ':memory:') fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const sqlite = new SqliteDatabase(options.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const database = withStatementCache(sqlite);
  const dialect = options.immediate === true ? new ImmediateSqliteDialect({ database }) : new SqliteDialect({ database });
  const db = new Kysely<Database>({ dialect });
  runInTransactionsWith(
    db,
    sqliteDirectRunner((text) => database.prepare(text)),
  );
  const epoch = await migrateToLatest(db);
  const store = createKyselyStore({
    db,
    dialect: 'sqlite',
    epoch,
    now: options.now ?? (() => new Date()),
    eventLogMaxPerTopic: options.eventLogMaxPerTopic,
    ...(options.writeGroupMax === undefined ? {} : { writeGroupMax: options.writeGroupMax }),
  });
  const interval = options.checkpointIntervalMs ?? 1000;
  if (options.file === ':memory:' || interval === 0) return store;
  sqlite.pragma('wal_autocheckpoint = 0');
  const checkpointer = startCheckpointer(options.file, interval, (message) => options.logger?.warn({ err: message }, 'SQLite WAL checkpoint failed'));
  return {
    ...store,
    // The worker's connection closes first, so ours is the last and folds the WAL back in.
    async close() {
      await checkpointer.close();
      await store.close();
    },
  };
}

/** What Kysely's SQLite connection does with a compiled query, without its executor around it (prepared.ts). */
export function sqliteDirectRunner(prepare: (sql: string) => SqliteDatabase.Statement): DirectRunner {
  return (sql, parameters) => {
    const statement = prepare(sql);
    if (statement.reader) return { rows: statement.all(parameters) };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  };
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
