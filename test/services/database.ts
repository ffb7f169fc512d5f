/**
 * The database a test server gets. With TEST_DATABASE=postgres (the `postgres` vitest project)
 * every call creates a fresh database on the run's private PostgreSQL and returns its
 * DATABASE_URL; otherwise nothing, so the server keeps its embedded SQLite file.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function onPostgres(): boolean {
  return process.env.TEST_DATABASE === 'postgres';
}

/** Creates an empty database on the private server and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (adminUrl === undefined) throw new Error('TEST_PG_ADMIN_URL is not set: run through vitest (test/services/global-setup.ts)');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return adminUrl.replace(/\/postgres$/, `/${name}`);
}

const byDataDir = new Map<string, Record<string, string>>();

/**
 * `{ DATABASE_URL }` of a fresh database on PostgreSQL runs; `{}` on SQLite runs. Servers started
 * on the same data directory share the database, as they share the SQLite file.
 */
export async function testDatabaseEnv(dataDir?: string): Promise<Record<string, string>> {
  if (!onPostgres()) return {};
  const known = dataDir === undefined ? undefined : byDataDir.get(dataDir);
  if (known !== undefined) return known;
  const env = { DATABASE_URL: await createPostgresDatabase() };
  if (dataDir !== undefined) byDataDir.set(dataDir, env);
  return env;
}
