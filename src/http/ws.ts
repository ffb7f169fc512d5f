/**
 * The /ws endpoint: the upgrade passes the gate (ws-upgrade.ts: per-IP limit, origin,
 * authentication), then each `ws` socket gets a WsSession (ws-session.ts), the hub's HubSocket
 * for it. Every socket shares one set of listeners, which find the session in a table; the upgrade
 * request is let go. Failed authentication still completes the handshake and closes with 1008, so
 * browsers see the code and reason rather than 1006. A socket opened without a credential gets
 * WS_AUTH_TIMEOUT_MS to send `{"type":"auth","token":…}` and receives nothing before. Heartbeats
 * ping on a fixed schedule that incoming data does not postpone.
 */
import type { ConnectRate } from './connect-rate.js';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type PerMessageDeflateOptions, type WebSocket } from 'ws';
import type { AuthResult, Authenticator } from '../auth/authenticator.js';
import type { AuthLimits } from '../auth/limits.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { Hub } from '../core/index.js';
import type { Logger } from '../shared/logger.js';
import { createSharedDeflate } from './shared-deflate.js';
import { createCorker, type CorkOptions } from './cork.js';
import { createPreparedFrames } from './prepared-frames.js';
import { createUpgradeGate, refuseWhileStopping } from './ws-upgrade.js';
import { heartbeatNow, WsSession, type Edge } from './ws-session.js';
import { SessionList, SessionWebSocket, type SocketEvents } from './ws-socket.js';

/** The application subprotocol; the server selects it whenever the client offers it. */
export const WS_PROTOCOL = 'aether-v';

export interface WsEndpointOptions {
  readonly server: Server;
  readonly hub: Hub;
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  readonly limits: AuthLimits;
  readonly logger: Logger;
  readonly debug: boolean;
  readonly maxPayloadBytes: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly authTimeoutMs: number;
  /** Most bytes a socket may send before it is open (see ws-session.ts); more closes it with 1009. */
  readonly preauthMaxBytes: number;
  /** Deadline for the credential check and admission, at the upgrade or in-band; a miss closes with 4002. */
  readonly authCheckTimeoutMs: number;
  /** The hub's limit for one client message (WS_MAX_MESSAGE_BYTES). */
  readonly maxMessageBytes: number;
  /** New connections per second in this process (WS_MAX_CONNECT_RATE), shared with /sse; beyond it 503. */
  readonly connectRate: ConnectRate;
  readonly onRefused?: (reason: string) => void;
  /** permessage-deflate for frames of at least `thresholdBytes`; off when absent. */
  readonly compression?: { readonly thresholdBytes: number } | undefined;
  /** How bursts are coalesced per socket (WS_BURST_HOLD_TURNS, WS_BURST_HOLD_MS); cork.ts's defaults when absent. */
  readonly corking?: CorkOptions;
  readonly path?: string;
}

/** How a graceful stop's sockets ended (WsEndpoint.settle). */
export interface Settled {
  /** Sockets whose close handshake finished (or that ended by themselves) within the wait. */
  readonly closed: number;
  /** Sockets still open when the wait ran out: terminated. */
  readonly cut: number;
}

export interface WsEndpoint {
  /** Stops accepting upgrades (503 from now on) and heartbeats. Open sockets are left to `hub.drain`, then `settle`. */
  close(): Promise<void>;
  /**
   * After `hub.drain` sent its close frames: closes the sockets the hub does not hold (not yet
   * admitted) with the same code, then waits up to `waitMs` for every socket to end (the peer
   * answers the close frame, the socket ends) and terminates the rest. Exiting with the close
   * handshakes unfinished can reset the connections: through a proxy, a close frame not yet read
   * by the client is then lost and the client sees 1006 instead of the 1001 it was sent.
   */
  settle(code: number, reason: string, waitMs: number): Promise<Settled>;
}

/**
 * permessage-deflate settings. No context takeover makes every message independent, which lets
 * shared-deflate.ts compress a broadcast once for all sockets; `ws`'s own deflate (the fallback)
 * uses the same settings and threshold.
 */
function deflateOptions(compression: WsEndpointOptions['compression']): false | PerMessageDeflateOptions {
  if (compression === undefined) return false;
  return {
    threshold: compression.thresholdBytes,
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    zlibDeflateOptions: { level: 6, memLevel: 8 },
    concurrencyLimit: 10,
  };
}

/** The parts every session shares: the hub, the credential checks, and the send path's corker, deflate and frames. */
function edgeOf(options: WsEndpointOptions): Edge {
  return {
    hub: options.hub,
    authenticator: options.authenticator,
    limits: options.limits,
    logger: options.logger,
    debug: options.debug,
    authTimeoutMs: options.authTimeoutMs,
    preauthMaxBytes: options.preauthMaxBytes,
    authCheckTimeoutMs: options.authCheckTimeoutMs,
    maxMessageBytes: options.maxMessageBytes,
    maxPayloadBytes: options.maxPayloadBytes,
    corker: createCorker(options.corking),
    shared: options.compression === undefined ? undefined : createSharedDeflate({ thresholdBytes: options.compression.thresholdBytes }),
    prepared: createPreparedFrames(),
    directBelowBytes: options.compression === undefined ? Infinity : options.compression.thresholdBytes,
    onRefused: options.onRefused,
  };
}

/** The open sockets' sessions: one set of listeners for every socket, and one heartbeat over them all. */
interface SessionTable {
  add(ws: SessionWebSocket<WsSession>, session: WsSession): void;
  close(): void;
  settle(code: number, reason: string, waitMs: number): Promise<Settled>;
}

function createSessionTable(options: WsEndpointOptions): SessionTable {
  const { logger, pingIntervalMs, pongTimeoutMs } = options;
  const sessions = new SessionList<WsSession>();
  /** Set while `settle` waits: called when the last session has gone. */
  let emptied: (() => void) | undefined;
  // Called from the socket's emit (ws-socket.ts) with its session: no listener, no lookup.
  const events: SocketEvents<WsSession> = {
    message: (session, data, isBinary) => session.frame(data, isBinary),
    pong: (session) => session.ponged(),
    error(session, err) {
      // `ws` refused a frame (over WS_PREAUTH_MAX_BYTES before the socket opened, from its header) and sent 1009.
      if (session.phase !== 'open' && (err as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        options.onRefused?.('preauth_too_large');
        session.dropSoon();
      }
      logger.debug({ err, clientId: session.attached?.id }, 'WebSocket error');
    },
    close(session, code, reason) {
      sessions.remove(session);
      session.closed(code, reason);
      if (sessions.size === 0) emptied?.();
    },
  };

  const tickMs = Math.max(50, Math.floor(Math.min(pingIntervalMs, pongTimeoutMs) / 2));
  const timer = setInterval(() => {
    const now = heartbeatNow();
    sessions.forEachBackwards((session) => session.beat(now, pingIntervalMs, pongTimeoutMs));
  }, tickMs);
  timer.unref();
  return {
    add(ws, session) {
      sessions.add(session);
      ws.bind(session, events);
    },
    close() {
      clearInterval(timer);
    },
    settle(code, reason, waitMs) {
      const open = sessions.size;
      sessions.forEachBackwards((session) => session.close(code, reason));
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(wait);
          emptied = undefined;
          const cut = sessions.size;
          sessions.forEachBackwards((session) => session.terminate());
          resolve({ closed: open - cut, cut });
        };
        const wait = setTimeout(done, waitMs);
        if (sessions.size === 0) done();
        else emptied = done;
      });
    },
  };
}

/**
 * Corks a new socket until the end of this turn, so the 101 answer, the `connection` message and
 * (when the store answers at once, as SQLite does) the `initial_state` leave in one write instead
 * of two or three: on loopback a write costs about as much as the rest of a connect's work.
 */
function holdFirstWrites(socket: Duplex): void {
  socket.cork();
  setImmediate(() => {
    if (socket.writableCorked > 0) socket.uncork();
  });
}

/** Starts a session from the upgrade's credential check: admitted, waiting for `auth`, refused, or late. */
function begin(session: WsSession, result: AuthResult | 'late'): void {
  if (result === 'late') session.deadlineMissed();
  else if (result.ok) void session.admit(result.principal).catch((err: unknown) => session.fail(err, 'WebSocket admission failed'));
  else if (result.reason === 'missing') session.awaitAuth();
  else session.refuse(result);
}

export function createWsEndpoint(options: WsEndpointOptions): WsEndpoint {
  const { logger } = options;
  const wss = new WebSocketServer({
    noServer: true,
    WebSocket: SessionWebSocket as typeof WebSocket,
    // SessionWebSocket answers pings itself, without ws's per-socket autoPong closure.
    autoPong: false,
    maxPayload: options.maxPayloadBytes,
    perMessageDeflate: deflateOptions(options.compression),
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const edge = edgeOf(options);
  const gate = createUpgradeGate(options, options.path ?? '/ws');
  const table = createSessionTable(options);

  async function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const passed = await gate(request, socket);
    if (passed === undefined) return;
    holdFirstWrites(socket);
    // The gate's listeners come off before ws adds its own: a third 'close' listener would grow the
    // socket's listener array to 19 slots for good (about 150 bytes per idle connection). From here
    // ws handles the socket's errors and the session gives the per-IP slot back.
    passed.handOver();
    let opened = false;
    wss.handleUpgrade(request, socket, head, (plain) => {
      opened = true;
      const ws = plain as SessionWebSocket<WsSession>;
      const session = new WsSession(edge, ws, passed.ip, passed.origin, passed.attach);
      table.add(ws, session);
      begin(session, passed.result);
    });
    // ws calls back at once when it opens the socket (no verifyClient), and turns a handshake down
    // (bad headers, a socket already gone) by answering 400 and ending the socket without calling back.
    if (!opened) passed.refused();
  }
  const listener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    onUpgrade(request, socket, head).catch((err: unknown) => {
      logger.error({ err }, 'WebSocket upgrade failed');
      socket.destroy();
    });
  };
  options.server.on('upgrade', listener);

  return {
    settle: (code, reason, waitMs) => table.settle(code, reason, waitMs),
    async close() {
      table.close();
      if (edge.shared !== undefined)
        logger.info({ ...edge.shared.stats }, 'WebSocket compression: frames deflated, sends served from the shared cache, sends left to ws');
      // From here an upgrade (on a connection accepted before the listener closed) gets 503 and
      // Retry-After, as a connect over the rate does: without an upgrade listener Node would hand
      // it to the routes, and the client would read 404.
      options.server.off('upgrade', listener);
      options.server.on('upgrade', refuseWhileStopping);
    },
  };
}
