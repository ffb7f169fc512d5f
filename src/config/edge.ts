/** Limits at the edge: the snapshot and replay cost budgets, and the HTTP connection cap and timeouts. */
import { fail, readInt, type Env } from './read.js';

/**
 * What snapshots and replays may cost. A unit is one event a replay goes through or one row a
 * snapshot holds; a request that would pass a budget gets `budget_exceeded` (close 4010 at connect).
 */
export interface Costs {
  /** Units per connection per `windowSec`; 0 = unlimited. */
  readonly perConnection: number;
  /** Units per user per `windowSec`, over all their sockets (and instances, with Redis); 0 = unlimited. */
  readonly perUser: number;
  /** The budgets' window, seconds. */
  readonly windowSec: number;
  /** Snapshot or resume requests that may wait per connection behind the one running. */
  readonly maxQueued: number;
  /** A replay waits this long at most for a full send buffer to drain before closing with 4009. */
  readonly replayStallMs: number;
}

export interface HttpEdge {
  /** TCP connections open at once per process, WebSockets included; over it a new one is closed at accept. */
  readonly maxConnections: number;
  /** Request headers (an upgrade's too) must arrive within this, or 408 and close. */
  readonly headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this, or 408 and close. */
  readonly requestTimeoutMs: number;
}

/** The cost budgets (one block: WS_COST_*, WS_MAX_QUEUED_SYNCS, WS_REPLAY_STALL_MS); on with authentication, off in dev mode. */
export function readCosts(env: Env, guarded: boolean): Costs {
  return {
    perConnection: readInt(env, 'WS_COST_BUDGET_PER_CONNECTION', guarded ? 12_000 : 0, 0),
    perUser: readInt(env, 'WS_COST_BUDGET_PER_USER', guarded ? 30_000 : 0, 0),
    windowSec: readInt(env, 'WS_COST_BUDGET_WINDOW_SEC', 60, 1, 3600),
    maxQueued: readInt(env, 'WS_MAX_QUEUED_SYNCS', 8, 1, 1000),
    replayStallMs: readInt(env, 'WS_REPLAY_STALL_MS', 10_000, 100, 600_000),
  };
}

/** Room above WS_MAX_CONNECTIONS for REST, health checks and sockets still authenticating. */
const HTTP_CONNECTION_HEADROOM = 1024;

export function readHttpEdge(env: Env, wsMax: number): HttpEdge {
  const maxConnections = readInt(env, 'HTTP_MAX_CONNECTIONS', wsMax + HTTP_CONNECTION_HEADROOM, 1);
  if (maxConnections <= wsMax) {
    fail(
      'HTTP_MAX_CONNECTIONS',
      `must exceed WS_MAX_CONNECTIONS (${wsMax}): every WebSocket holds one HTTP connection, and REST and health checks need room (default: WS_MAX_CONNECTIONS + ${HTTP_CONNECTION_HEADROOM})`,
    );
  }
  const headersTimeoutMs = readInt(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 500, 300_000);
  const requestTimeoutMs = readInt(env, 'HTTP_REQUEST_TIMEOUT_MS', 60_000, 500, 3_600_000);
  if (requestTimeoutMs < headersTimeoutMs) fail('HTTP_REQUEST_TIMEOUT_MS', `must not be below HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs})`);
  return { maxConnections, headersTimeoutMs, requestTimeoutMs };
}
