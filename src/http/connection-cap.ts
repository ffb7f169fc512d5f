/**
 * Bounds on the HTTP server's TCP connections, so a client that opens many and sends little
 * (slowloris) holds a bounded number of descriptors for a bounded time:
 *
 * - At most `maxConnections` open at once in this process: every connection counts (WebSockets,
 *   keep-alive, requests in flight). One over it is destroyed as it is accepted, before a byte is
 *   read. The count is kept here rather than with `server.maxConnections`: under node:cluster a
 *   worker at its `maxConnections` hands the connection back to the primary, which passes it to
 *   another worker, and when every worker is full it keeps passing it round instead of refusing.
 * - Request headers (an upgrade's included) must be complete within `headersTimeoutMs` of the
 *   connection or the request starting, the whole request within `requestTimeoutMs`; Node answers
 *   408 and closes. Node checks every `connectionsCheckingInterval`, which it reads when the server
 *   starts listening, so this MUST run before `listen`. An upgraded WebSocket is no longer a
 *   request and is not affected.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpServerLimits {
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** What the cap has seen, read by metrics at scrape time. */
export interface HttpConnections {
  /** Connections open now. */
  readonly open: number;
  /** Connections destroyed at accept because the cap was reached, since start. */
  readonly refused: number;
}

/**
 * How often Node looks for expired headers/requests: a twentieth of the headers timeout, 100 ms to
 * 1 s. Each check answers every expired connection in one go (about 0.1 ms each), so checking
 * often keeps those batches, and the pause they cost everyone else, small: 300 partial upgrades
 * expiring in one check took 35–45 ms of CPU.
 */
export function checkingIntervalMs(headersTimeoutMs: number): number {
  return Math.min(1000, Math.max(100, Math.floor(headersTimeoutMs / 20)));
}

/** Applies the limits to `server` (before it listens) and returns the live counts. */
export function capHttpServer(server: Server, limits: HttpServerLimits): HttpConnections {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  // Read by Node when listening starts (it restarts its checking interval then).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = checkingIntervalMs(limits.headersTimeoutMs);
  const counts = { open: 0, refused: 0 };
  const closed = (): void => {
    counts.open -= 1;
  };
  server.on('connection', (socket: Socket) => {
    if (counts.open >= limits.maxConnections) {
      counts.refused += 1;
      socket.destroy();
      return;
    }
    counts.open += 1;
    // `on`, not `once`: a socket emits 'close' once, and `once` wraps the shared listener in a
    // bound function with its own state, about 160 bytes of heap per open connection.
    socket.on('close', closed);
  });
  return counts;
}
