/**
 * Abuse limits on `rate-limiter-flexible`: concurrent sockets per user and per IP, messages per
 * second per socket, ws-token requests per session.
 *
 * With `shared` the ws-token request rate holds across processes: counted in Redis (REDIS_URL
 * set), in PostgreSQL's `rate_limits` table (a PostgreSQL-only cluster; while the shared store is
 * unreachable each instance falls back to its own memory counter), or by the cluster primary over
 * IPC (WORKERS=N on SQLite).
 * Socket slots stay per instance: a crashed instance could never give shared slots back. The
 * message rate is per socket, and a socket lives on one instance.
 */
import { RateLimiterCluster, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface LimitOptions {
  readonly maxConnectionsPerUser: number;
  readonly maxConnectionsPerIp: number;
  readonly messagesPerSecond: number;
  readonly wsTokenRequestsPerMinute: number;
  /**
   * Counters shared through Redis (an ioredis client and the deployment's key prefix), PostgreSQL
   * (a `pg` pool on the database whose migrations made `rate_limits`) or the cluster primary.
   */
  readonly shared?: SharedCounters;
}

export type SharedCounters =
  | { readonly kind: 'redis'; readonly redis: unknown; readonly prefix: string }
  | { readonly kind: 'postgres'; readonly pool: unknown }
  | { readonly kind: 'cluster' };

/** A concurrency slot: `acquire` takes one if free, `release` gives it back. */
export interface Slots {
  acquire(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
}

/** A rate: `take` answers whether the key may act now, and if not, after how many ms. */
export interface Rate {
  take(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

export interface AuthLimits {
  readonly perUser: Slots;
  readonly perIp: Slots;
  readonly messages: Rate;
  readonly wsTokens: Rate;
}

const UNLIMITED_SLOTS: Slots = { acquire: async () => true, release: async () => undefined };
const UNLIMITED_RATE: Rate = { take: async () => ({ ok: true }) };

/** `max` 0 means unlimited. */
function slots(max: number, prefix: string): Slots {
  if (max === 0) return UNLIMITED_SLOTS;
  // duration 0: points never expire, so consume/reward count open connections.
  const limiter = new RateLimiterMemory({ points: max, duration: 0, keyPrefix: prefix });
  return {
    async acquire(key) {
      try {
        await limiter.consume(key);
        return true;
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          await limiter.reward(key, 1);
          return false;
        }
        throw err;
      }
    },
    async release(key) {
      const res = await limiter.reward(key, 1);
      if (res.consumedPoints <= 0) await limiter.delete(key);
    },
  };
}

/**
 * A fixed-window counter of `points` per `durationSec`: in this process's memory, or shared through
 * Redis or PostgreSQL (falling back to this process's memory while it is unreachable) or the
 * cluster primary.
 */
export function sharedLimiter(points: number, durationSec: number, prefix: string, shared?: SharedCounters): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ points, duration: durationSec, keyPrefix: prefix });
  if (shared?.kind === 'redis') {
    return new RateLimiterRedis({
      storeClient: shared.redis,
      points,
      duration: durationSec,
      keyPrefix: `${shared.prefix}:limit:${prefix}`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  }
  if (shared?.kind === 'postgres') {
    // One table for every limiter (keys carry the prefix); migration 0004 made it, and
    // rate-limiter-flexible deletes rows expired over an hour ago every five minutes.
    return new RateLimiterPostgres({
      storeClient: shared.pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      points,
      duration: durationSec,
      keyPrefix: prefix,
      insuranceLimiter: memory,
    });
  }
  if (shared?.kind === 'cluster') return new RateLimiterCluster({ points, duration: durationSec, keyPrefix: prefix, timeoutMs: 2000 });
  return memory;
}

/** `points` 0 means unlimited. */
function rate(points: number, durationSec: number, prefix: string, shared?: LimitOptions['shared']): Rate {
  if (points === 0) return UNLIMITED_RATE;
  const limiter = sharedLimiter(points, durationSec, prefix, shared);
  return {
    async take(key) {
      try {
        await limiter.consume(key);
        return { ok: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: err.msBeforeNext };
        throw err;
      }
    },
  };
}

export function createLimits(options: LimitOptions): AuthLimits {
  return {
    perUser: slots(options.maxConnectionsPerUser, 'ws-user'),
    perIp: slots(options.maxConnectionsPerIp, 'ws-ip'),
    messages: rate(options.messagesPerSecond, 1, 'ws-msg'),
    wsTokens: rate(options.wsTokenRequestsPerMinute, 60, 'ws-token', options.shared),
  };
}
