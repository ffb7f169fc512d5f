/**
 * The two ways a cluster's instances reach each other, for suites that run in both: Redis
 * (REDIS_URL set) and PostgreSQL alone (LISTEN/NOTIFY and tables, no REDIS_URL). Each mode can
 * take its bus away from every instance for a while, the way an outage would.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startRedis, type PrivateRedis } from '../services/processes.js';

export interface BusOutage {
  /** Gives the bus back. */
  end(): Promise<void>;
}

export interface BusMode {
  /** As the server logs it (`"bus":"redis"`). */
  readonly name: 'redis' | 'postgres';
  /** What is taken away in `outage()`, for test names. */
  readonly outageName: string;
  /** Starts what the mode needs besides the database; returns the servers' extra environment. */
  setup(databaseUrl: string): Promise<Record<string, string>>;
  /** Takes the bus away from every instance until `end()`. */
  outage(): Promise<BusOutage>;
  teardown(): Promise<void>;
}

function redisMode(): BusMode {
  let redis: PrivateRedis | undefined;
  return {
    name: 'redis',
    outageName: 'Redis restarts',
    async setup() {
      redis = await startRedis();
      return { REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: `multi-${randomBytes(4).toString('hex')}` };
    },
    async outage() {
      const server = redis as PrivateRedis;
      await server.stop();
      return { end: () => server.start() };
    },
    teardown: async () => redis?.stop(),
  };
}

/** Kills every instance's LISTEN connection (pg_terminate_backend) as fast as it comes back. */
export async function killListenConnections(databaseUrl: string, everyMs = 20): Promise<BusOutage> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const kill = (): Promise<unknown> =>
    admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name like 'aether-v-listen%'");
  await kill();
  let killing = true;
  const loop = (async () => {
    while (killing) {
      await kill();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async end() {
      killing = false;
      await loop;
      await admin.end();
    },
  };
}

function postgresMode(): BusMode {
  let url = '';
  return {
    name: 'postgres',
    outageName: 'every LISTEN connection is killed',
    async setup(databaseUrl) {
      url = databaseUrl;
      return {};
    },
    outage: () => killListenConnections(url),
    teardown: async () => undefined,
  };
}

export const BUS_MODES: readonly BusMode[] = [redisMode(), postgresMode()];
