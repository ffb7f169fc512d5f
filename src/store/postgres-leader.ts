/**
 * Leader election on PostgreSQL: a session-level advisory lock held on a dedicated connection.
 * PostgreSQL releases it when that session ends (the process died or lost its connection), so
 * another instance's next `acquire` wins. Loaded only with a postgres DATABASE_URL.
 */
import pg from 'pg';
import type { Election } from '../shared/election.js';

/** `name` identifies the role (one lock per role per database). */
export function createPostgresElection(url: string, name: string): Election {
  let client: pg.Client | undefined;
  let held = false;

  async function connection(): Promise<pg.Client> {
    if (client !== undefined) return client;
    const fresh = new pg.Client({ connectionString: url, keepAlive: true });
    fresh.on('error', () => {
      held = false;
      if (client === fresh) client = undefined;
    });
    fresh.on('end', () => {
      held = false;
      if (client === fresh) client = undefined;
    });
    await fresh.connect();
    client = fresh;
    return fresh;
  }

  return {
    async acquire() {
      const conn = await connection();
      const { rows } = await conn.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [name]);
      held = rows[0]?.ok === true;
      return held;
    },
    async check() {
      if (!held || client === undefined) return false;
      await client.query('select 1');
      return held;
    },
    async release() {
      const conn = client;
      client = undefined;
      held = false;
      await conn?.end();
    },
  };
}
