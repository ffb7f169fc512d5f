/**
 * Abuse limits on `rate-limiter-flexible` (memory store today; its Redis store has the same API,
 * so a multi-instance mode can share the counters): concurrent sockets per user and per IP,
 * messages per second per socket, ws-token requests per session.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface LimitOptions {
  readonly maxConnectionsPerUser: number;
  readonly maxConnectionsPerIp: number;
  readonly messagesPerSecond: number;
  readonly wsTokenRequestsPerMinute: number;
}

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

/** `points` 0 means unlimited. */
function rate(points: number, durationSec: number, prefix: string): Rate {
  if (points === 0) return UNLIMITED_RATE;
  const limiter = new RateLimiterMemory({ points, duration: durationSec, keyPrefix: prefix });
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
    wsTokens: rate(options.wsTokenRequestsPerMinute, 60, 'ws-token'),
  };
}
