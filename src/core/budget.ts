/**
 * Cost budgets for the expensive work a client can ask for: snapshots and replays. A unit is one
 * event a replay goes through or one row a snapshot holds. The hub charges a request's estimated
 * cost before doing the work and refuses it (`budget_exceeded`, with when to retry) when the
 * connection's or the user's budget for the current window is spent. The connection's budget is
 * kept here, on the connection; the user's lives outside core (src/auth/budgets.ts: memory, Redis
 * or cluster counters).
 */

import { UNLIMITED_BUDGET, type BudgetAnswer, type CostBudget } from '../shared/cost-budget.js';

export { UNLIMITED_BUDGET, type BudgetAnswer, type CostBudget };

/** A connection's own budget, kept on the connection (two numbers: no map, no timer per socket). */
export interface LocalBudget {
  budgetSpent: number;
  /**
   * When the current window ends (`performance.now()` ms, rounded up to a whole ms so that the field
   * holds a small integer, not a heap number per connection); 0 before the first charge.
   */
  budgetWindowEnd: number;
}

/**
 * Takes `units` from a connection's budget of `points` per `windowMs` (0 points: unlimited), like
 * the shared one: refused past the budget, a request larger than the budget capped at the budget.
 */
export function takeLocal(local: LocalBudget, units: number, points: number, windowMs: number, nowMs: number): BudgetAnswer {
  if (points === 0) return { ok: true };
  if (nowMs >= local.budgetWindowEnd) {
    local.budgetWindowEnd = Math.ceil(nowMs + windowMs);
    local.budgetSpent = 0;
  }
  const cost = Math.min(Math.max(1, units), points);
  if (local.budgetSpent + cost > points) return { ok: false, retryAfterMs: Math.max(1, Math.ceil(local.budgetWindowEnd - nowMs)) };
  local.budgetSpent += cost;
  return { ok: true };
}

/** Gives back what `takeLocal` took for a request the user budget then refused. */
export function giveLocal(local: LocalBudget, units: number, points: number): void {
  if (points > 0) local.budgetSpent = Math.max(0, local.budgetSpent - Math.min(Math.max(1, units), points));
}
