/**
 * Vitest global setup: one private PostgreSQL and one private Redis for the whole run, stopped
 * after it. Tests reach them through TEST_PG_ADMIN_URL and TEST_REDIS_URL (see database.ts).
 */
import { startPostgres, startRedis } from './processes.js';

export default async function setup(): Promise<() => Promise<void>> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  process.env.TEST_PG_ADMIN_URL = pg.adminUrl;
  process.env.TEST_REDIS_URL = redis.url;
  return async () => {
    await Promise.allSettled([redis.stop(), pg.stop()]);
  };
}
