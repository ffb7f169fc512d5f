/**
 * The user cost budget of the hub (core/budget.ts) on `rate-limiter-flexible`, shared like the
 * ws-token counters: Redis with `REDIS_URL` (memory while Redis is away), the cluster primary under
 * `WORKERS=N`, else this process's memory. So a user's sockets draw from one budget across
 * instances. (Each connection's own budget is kept on the connection, in core.)
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import { UNLIMITED_BUDGET, type CostBudget } from '../shared/cost-budget.js';
import { sharedLimiter, type SharedCounters } from './limits.js';

export interface BudgetOptions {
  /** Units per user per window, over all their sockets; 0 = unlimited. */
  readonly perUser: number;
  readonly windowSec: number;
  readonly shared?: SharedCounters;
}

export function createUserBudget(options: BudgetOptions): CostBudget {
  const { perUser: points, windowSec } = options;
  if (points === 0) return UNLIMITED_BUDGET;
  const limiter = sharedLimiter(points, windowSec, 'ws-cost-user', options.shared);
  // A request larger than the whole budget is capped at it, so it can run in a fresh window.
  const capped = (units: number): number => Math.min(Math.max(1, units), points);
  return {
    async take(userId, units) {
      try {
        await limiter.consume(userId, capped(units));
        return { ok: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(1, err.msBeforeNext) };
        // The shared store failed (the cluster primary did not answer): do not refuse honest work for it.
        return { ok: true };
      }
    },
    async give(userId, units) {
      await limiter.reward(userId, capped(units)).catch(() => undefined);
    },
  };
}
