/**
 * Charging a request's snapshots and replays to the cost budgets (budget.ts) before anything
 * changes: refused, the client is answered `budget_exceeded` with `retry_after_ms` and its
 * connection stays as it was. A connection's queue of waiting requests is bounded too.
 */
import { ErrorCode, type Position } from '../protocol/index.js';
import { giveLocal, takeLocal, UNLIMITED_BUDGET, type CostBudget } from './budget.js';
import type { Connection } from './connection.js';
import type { Sync } from './sync.js';

/** What `budget_exceeded` for a full request queue tells the client to wait, ms. */
const QUEUE_RETRY_MS = 1000;

export interface ChargeLimits {
  readonly maxQueuedSyncs: number;
  /** Cost units per connection per `costWindowMs`; 0 = unlimited. */
  readonly costPerConnection: number;
  readonly costWindowMs: number;
}

export interface Charges {
  /**
   * Charges the snapshots and replays a request asks for (`logTopic` → position to resume from, or
   * undefined for a snapshot). True when it may go ahead; otherwise the client got `budget_exceeded`.
   */
  admit(conn: Connection, work: ReadonlyMap<string, Position | undefined>, ref: string): Promise<boolean>;
}

export function createCharges(limits: ChargeLimits, budget: CostBudget, sync: Pick<Sync, 'cost'>): Charges {
  async function admit(conn: Connection, work: ReadonlyMap<string, Position | undefined>, ref: string): Promise<boolean> {
    if (work.size === 0) return true;
    // The connect's own work is queued already; a client's requests wait behind at most the bound.
    if (ref !== 'connect' && conn.queued + work.size > limits.maxQueuedSyncs) {
      conn.sendError(ErrorCode.BUDGET_EXCEEDED, `at most ${limits.maxQueuedSyncs} snapshot or resume requests may wait per connection`, ref, QUEUE_RETRY_MS);
      return false;
    }
    if (limits.costPerConnection === 0 && budget === UNLIMITED_BUDGET) return true;
    const costs = await Promise.all([...work].map(([topic, from]) => sync.cost(topic, from)));
    const units = costs.reduce((a, b) => a + b, 0);
    let answer = takeLocal(conn, units, limits.costPerConnection, limits.costWindowMs, performance.now());
    if (answer.ok) {
      answer = await budget.take(conn.principal.id, units);
      if (!answer.ok) giveLocal(conn, units, limits.costPerConnection);
    }
    if (conn.isClosed) return false;
    if (answer.ok) return true;
    const seconds = Math.ceil(answer.retryAfterMs / 1000);
    conn.sendError(ErrorCode.BUDGET_EXCEEDED, `snapshot and replay budget spent; retry in ${seconds} s`, ref, answer.retryAfterMs);
    return false;
  }
  return { admit };
}
