/**
 * The hub's cost budgets (core/budget.ts) on `rate-limiter-flexible`: one counter per connection in
 * this process's memory (a socket lives on one instance), one per user shared like the ws-token
 * counters (Redis with `REDIS_URL`, the cluster primary under `WORKERS=N`, else memory), so a
 * user's sockets draw from one budget across instances.
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { UNLIMITED_BUDGET, type BudgetAnswer, type CostBudget } from '../core/budget.js';
import { sharedLimiter, type SharedCounters } from './limits.js';

export interface BudgetOptions {
  /** Units per connection per window; 0 = unlimited. */
  readonly perConnection: number;
  /** Units per user per window, over all their sockets; 0 = unlimited. */
  readonly perUser: number;
  readonly windowSec: number;
  readonly shared?: SharedCounters;
}

const OK: BudgetAnswer = { ok: true };

/** One counter: takes at most its whole budget at once, so a large request can still run in a fresh window. */
function counter(limiter: RateLimiterAbstract | undefined, points: number): { take(key: string, units: number): Promise<BudgetAnswer>; give(key: string, units: number): Promise<void> } {
  return {
    async take(key, units) {
      if (limiter === undefined) return OK;
      try {
        await limiter.consume(key, Math.min(Math.max(1, units), points));
        return OK;
      } catch (err) {
        if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(1, err.msBeforeNext) };
        // The shared store failed (the cluster primary did not answer): do not refuse honest work for it.
        return OK;
      }
    },
    async give(key, units) {
      if (limiter === undefined) return;
      await limiter.reward(key, Math.min(Math.max(1, units), points)).catch(() => undefined);
    },
  };
}

export function createCostBudget(options: BudgetOptions): CostBudget {
  const { perConnection, perUser, windowSec } = options;
  if (perConnection === 0 && perUser === 0) return UNLIMITED_BUDGET;
  const connections = counter(perConnection === 0 ? undefined : new RateLimiterMemory({ points: perConnection, duration: windowSec, keyPrefix: 'ws-cost-conn' }), perConnection);
  const users = counter(perUser === 0 ? undefined : sharedLimiter(perUser, windowSec, 'ws-cost-user', options.shared), perUser);
  return {
    async take(connectionId, userId, units) {
      const own = await connections.take(connectionId, units);
      if (!own.ok) return own;
      const user = await users.take(userId, units);
      // Refused by the user's budget: the connection's units were not spent.
      if (!user.ok) await connections.give(connectionId, units);
      return user;
    },
  };
}
