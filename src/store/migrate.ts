import { Migrator, type Kysely } from 'kysely';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

/** Applies every pending migration and returns the store's epoch. Throws naming the failed migration. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const row = await db.selectFrom('meta').select('value').where('key', '=', 'epoch').executeTakeFirstOrThrow();
  return row.value;
}
