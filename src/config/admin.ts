/** The admin API's bounds: how many connections a listing returns, how long it waits for instances, how often admins act. */
import { readInt, type Env } from './read.js';

export interface AdminConfig {
  /** Most connections one listing returns (over every instance together); the answer says `truncated`. */
  readonly listMax: number;
  /** How long a listing or a disconnect waits for the other instances' answers over the bus. */
  readonly scatterTimeoutMs: number;
  /** Admin actions (listings, disconnects, access changes) per admin per minute, per instance; over → 429. */
  readonly actionsPerMinute: number;
  /** How long an instance trusts a user's access record before reading it again (changes also arrive over the bus at once). */
  readonly accessCacheMs: number;
}

export function readAdmin(env: Env): AdminConfig {
  return {
    listMax: readInt(env, 'ADMIN_LIST_MAX', 500, 1, 10_000),
    scatterTimeoutMs: readInt(env, 'ADMIN_SCATTER_TIMEOUT_MS', 1000, 50, 30_000),
    actionsPerMinute: readInt(env, 'ADMIN_ACTIONS_PER_MINUTE', 60, 1, 10_000),
    accessCacheMs: readInt(env, 'ADMIN_ACCESS_CACHE_MS', 5000, 0, 600_000),
  };
}
