/**
 * Bounds on the HTTP server's TCP connections, so a client that opens many and sends little
 * (slowloris) holds a bounded number of descriptors for a bounded time:
 *
 * - At most `maxConnections` open at once in this process: every connection counts (WebSockets,
 *   keep-alive, requests in flight). One over it is destroyed as it is accepted, before a byte is
 *   read. The count is Node's own; the limit is applied here rather than with `server.maxConnections`: under node:cluster a
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

/**
 * The server's open connections as Node counts them (`net.Server`'s `_connections`, what
 * `getConnections()` reports): one more as a socket is accepted, before 'connection', one less as
 * it is destroyed, however it ended. Reading Node's count spares a 'close' listener per socket (its
 * listener array: 32 bytes per open connection). test/integration/connection-cap.test.ts holds
 * the count to every way a socket can end.
 */
function openConnections(server: Server): number {
  return (server as Server & { readonly _connections: number })._connections;
}

/** Applies the limits to `server` (before it listens) and returns the live counts. */
export function capHttpServer(server: Server, limits: HttpServerLimits): HttpConnections {
  // A Node without the count would refuse every connection: fail at start instead.
  if (!Number.isInteger(openConnections(server)))
    throw new Error("this Node.js does not count a server's connections (net.Server._connections): the connection cap cannot work");
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  // Read by Node when listening starts (it restarts its checking interval then).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = checkingIntervalMs(limits.headersTimeoutMs);
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    // Node has counted this socket already.
    if (openConnections(server) <= limits.maxConnections) return;
    refused += 1;
    socket.destroy();
  });
  return {
    get open() {
      return openConnections(server);
    },
    get refused() {
      return refused;
    },
  };
}
