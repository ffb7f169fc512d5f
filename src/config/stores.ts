/** Where state lives: the database (embedded SQLite or PostgreSQL) and the optional Redis. */
import path from 'node:path';
import { fail, readInt, type Env } from './read.js';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly file: string; readonly checkpointIntervalMs: number; readonly writeGroupMax: number }
  | { readonly kind: 'postgres'; readonly url: string; readonly writeGroupMax: number };

export interface RedisConfig {
  readonly url: string;
  /** Every channel and key name starts with it, so deployments can share one Redis. */
  readonly prefix: string;
}

export function readDatabase(env: Env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  const checkpointIntervalMs = readInt(env, 'SQLITE_CHECKPOINT_INTERVAL_MS', 1000, 0, 3_600_000);
  const writeGroupMax = readInt(env, 'WRITE_GROUP_MAX', 64, 1, 10_000);
  if (url) {
    if (url.startsWith('sqlite:'))
      return { kind: 'sqlite', file: path.resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')), checkpointIntervalMs, writeGroupMax };
    if (/^postgres(ql)?:\/\//.test(url)) {
      try {
        new URL(url);
      } catch {
        return fail('DATABASE_URL', 'not a valid postgres:// URL');
      }
      return { kind: 'postgres', url, writeGroupMax };
    }
    return fail('DATABASE_URL', 'expected sqlite:<file> or postgres://user:password@host:port/database');
  }
  const dataDir = env.DATA_DIR?.trim() || './data';
  return { kind: 'sqlite', file: path.resolve(dataDir, 'aether-v.sqlite'), checkpointIntervalMs, writeGroupMax };
}

export function readRedis(env: Env): RedisConfig | undefined {
  const url = env.REDIS_URL?.trim();
  const prefix = env.REDIS_CHANNEL_PREFIX?.trim() ?? 'aether-v';
  if (prefix === '') return fail('REDIS_CHANNEL_PREFIX', 'must not be empty');
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(prefix)) return fail('REDIS_CHANNEL_PREFIX', 'expected 1 to 64 characters from A-Z a-z 0-9 . _ : -');
  if (url === undefined || url === '') return undefined;
  if (!/^rediss?:\/\//.test(url)) return fail('REDIS_URL', `expected redis://host:port or rediss://host:port, got ${JSON.stringify(url)}`);
  return { url, prefix };
}
