/**
 * The contract between the hub, which charges snapshots and replays to a user's budget, and the
 * store of that budget (src/auth/budgets.ts: memory, Redis or cluster counters). Part of the
 * shared kernel: imports nothing.
 */

export type BudgetAnswer = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

/** The budget shared by all of a user's sockets (on every instance, with Redis). */
export interface CostBudget {
  /**
   * Takes `units` from the user's budget. Refused when it would be overdrawn; a request larger than
   * the whole budget may still run once the budget is untouched. MUST NOT throw: a failing shared
   * store falls back to local counting.
   */
  take(userId: string, units: number): Promise<BudgetAnswer>;
  /** Gives back units taken for a request that was refused elsewhere. */
  give(userId: string, units: number): Promise<void>;
}

/** No user budget: every request runs (dev mode, and `WS_COST_BUDGET_PER_USER=0`). */
export const UNLIMITED_BUDGET: CostBudget = { take: async () => ({ ok: true }), give: async () => undefined };
