/**
 * Cost budgets for the expensive work a client can ask for: snapshots and replays. A unit is one
 * event a replay goes through or one row a snapshot holds. The hub charges a request's estimated
 * cost before doing the work and refuses it (`budget_exceeded`, with when to retry) when the
 * connection's or the user's budget for the current window is spent. Implementations live outside
 * core (src/auth/budgets.ts: memory, Redis or cluster counters).
 */

export type BudgetAnswer = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface CostBudget {
  /**
   * Takes `units` from the connection's and from the user's budget. Refused when either would be
   * overdrawn; a request larger than a whole budget may still run once that budget is untouched.
   * MUST NOT throw: a failing shared store falls back to local counting.
   */
  take(connectionId: string, userId: string, units: number): Promise<BudgetAnswer>;
}

/** No budget: every request runs (dev mode, and budgets set to 0). */
export const UNLIMITED_BUDGET: CostBudget = { take: async () => ({ ok: true }) };
