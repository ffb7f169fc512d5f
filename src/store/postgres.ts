/**
 * Opens (and migrates) the PostgreSQL store. Loaded only when DATABASE_URL is a postgres URL
 * (wiring.ts imports it dynamically), so the embedded default never loads `pg`.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { migrateToLatest } from './migrate.js';
import { createKyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (libpq-style query parameters allowed). */
  readonly url: string;
  readonly eventLogMaxPerTopic: number;
  readonly now?: () => Date;
  /** Most writes sharing one transaction (group commit); default 64. */
  readonly writeGroupMax?: number;
  /** Pool size; each instance holds at most this many connections. */
  readonly maxConnections?: number;
}

const INT8_OID = 20;

/**
 * int8 (offsets, epoch-ms times, count(*)) as a JS number instead of pg's default string. Safe:
 * offsets and epoch milliseconds stay far below 2^53. Scoped to this pool, not pg's global parsers.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    // pg's own parser table is typed `any`; what it returns is handed straight back to pg.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10, types });
  // An idle client that loses its server emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const epoch = await migrateToLatest(db);
    return createKyselyStore({
      db,
      dialect: 'postgres',
      epoch,
      now: options.now ?? (() => new Date()),
      eventLogMaxPerTopic: options.eventLogMaxPerTopic,
      ...(options.writeGroupMax === undefined ? {} : { writeGroupMax: options.writeGroupMax }),
    });
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
