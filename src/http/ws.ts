/**
 * The /ws endpoint: gates the upgrade (per-IP limit, origin, authentication), then gives each `ws`
 * socket a WsSession (ws-session.ts), the hub's HubSocket for it. Every socket shares one set of
 * listeners, which find the session in `sessions`; the upgrade request is let go. Failed authentication still completes the handshake and closes
 * with 1008, so browsers see the code and reason rather than 1006. A socket opened without a
 * credential gets WS_AUTH_TIMEOUT_MS to send `{"type":"auth","token":…}` and receives nothing
 * before. Heartbeats ping on a fixed schedule that incoming data does not postpone.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { WebSocketServer, type PerMessageDeflateOptions, type RawData, type WebSocket } from 'ws';
import type { AuthResult, Authenticator } from '../auth/authenticator.js';
import type { AuthLimits } from '../auth/limits.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { Hub } from '../core/index.js';
import type { Logger } from '../shared/logger.js';
import { MAX_MESSAGE_DEPTH, nestsDeeperThan, validateClientMessage, type Positions } from '../protocol/index.js';
import { createSharedDeflate } from './shared-deflate.js';
import { createCorker } from './cork.js';
import { createPreparedFrames } from './prepared-frames.js';
import { withDeadline } from './ws-credential.js';
import { WsSession, type Edge, type UpgradeAttach } from './ws-session.js';

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
  /** Upgrades accepted per second by this process; beyond it the server answers 503 (0 = unlimited). */
  readonly connectRatePerSecond: number;
  readonly onRefused?: (reason: string) => void;
  /** permessage-deflate for frames of at least `thresholdBytes`; off when absent. */
  readonly compression?: { readonly thresholdBytes: number } | undefined;
  readonly path?: string;
}

export interface WsEndpoint {
  /** Stops accepting upgrades and heartbeats. Open sockets are left to `hub.drain`. */
  close(): Promise<void>;
}

/** Destroys the socket that emitted an error (a plain function: no closure to retain). */
function destroySelf(this: Duplex): void {
  this.destroy();
}

/** A release of one per-IP slot that runs at most once, capturing nothing else. */
function releaseOnce(limit: { release(key: string): Promise<unknown> }, ip: string): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    void limit.release(ip);
  };
}

function rejectUpgrade(socket: Duplex, status: number, text: string, headers = ''): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${headers}Content-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

function clientIp(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

function originOf(request: IncomingMessage): string | undefined {
  const value = request.headers.origin;
  return typeof value === 'string' ? value : undefined;
}

/** Reads `?topics=a,b` and `?resume=<json positions>` from the upgrade URL. */
function attachOptionsFrom(url: URL): UpgradeAttach {
  const result: { topics?: string[]; positions?: Positions; problem?: string } = {};
  const topics = url.searchParams.get('topics');
  if (topics !== null)
    result.topics = topics
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
  const resume = url.searchParams.get('resume');
  if (resume !== null) {
    let positions: unknown;
    try {
      positions = nestsDeeperThan(resume, MAX_MESSAGE_DEPTH) ? undefined : JSON.parse(resume);
    } catch {
      positions = undefined;
    }
    const parsed = validateClientMessage({ type: 'resume', positions });
    if (parsed.ok && parsed.message.type === 'resume') result.positions = parsed.message.positions;
    else result.problem = parsed.ok ? 'invalid resume parameter' : `invalid resume parameter: ${parsed.message}`;
  }
  return result;
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

export function createWsEndpoint(options: WsEndpointOptions): WsEndpoint {
  const { hub, authenticator, logger, limits } = options;
  const path = options.path ?? '/ws';
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes,
    perMessageDeflate: deflateOptions(options.compression),
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const sessions = new Map<WebSocket, WsSession>();
  const edge: Edge = {
    hub,
    authenticator,
    limits,
    logger,
    debug: options.debug,
    authTimeoutMs: options.authTimeoutMs,
    preauthMaxBytes: options.preauthMaxBytes,
    authCheckTimeoutMs: options.authCheckTimeoutMs,
    maxMessageBytes: options.maxMessageBytes,
    maxPayloadBytes: options.maxPayloadBytes,
    corker: createCorker(),
    shared: options.compression === undefined ? undefined : createSharedDeflate({ thresholdBytes: options.compression.thresholdBytes }),
    prepared: createPreparedFrames(),
    directBelowBytes: options.compression === undefined ? Infinity : options.compression.thresholdBytes,
    onRefused: options.onRefused,
  };
  const connectLimiter = options.connectRatePerSecond > 0 ? new RateLimiterMemory({ points: options.connectRatePerSecond, duration: 1 }) : undefined;

  // One set of listeners for every socket: `this` is the socket, its session is looked up.
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    sessions.get(this)?.frame(data, isBinary);
  }
  function onPong(this: WebSocket): void {
    sessions.get(this)?.ponged();
  }
  function onError(this: WebSocket, err: Error): void {
    // `ws` refused a frame (over WS_PREAUTH_MAX_BYTES before the socket opened, from its header) and sent 1009.
    const session = sessions.get(this);
    if (session !== undefined && session.phase !== 'open' && (err as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      options.onRefused?.('preauth_too_large');
      session.dropSoon();
    }
    logger.debug({ err, clientId: sessions.get(this)?.attached?.id }, 'WebSocket error');
  }
  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    const session = sessions.get(this);
    sessions.delete(this);
    session?.closed(code, reason);
  }

  /** False (and the socket answered 503) when this second's connection budget is spent. */
  async function withinConnectRate(socket: Duplex): Promise<boolean> {
    if (connectLimiter === undefined) return true;
    try {
      await connectLimiter.consume('upgrade');
      return true;
    } catch {
      options.onRefused?.('connect_rate');
      rejectUpgrade(socket, 503, 'Service Unavailable', 'Retry-After: 1\r\n');
      return false;
    }
  }

  async function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return rejectUpgrade(socket, 404, 'Not Found');
    socket.on('error', destroySelf);
    if (!(await withinConnectRate(socket))) return;
    const ip = clientIp(request);
    if (!(await limits.perIp.acquire(ip))) {
      logger.warn({ ip }, `WebSocket connection refused: too many connections from ${ip}`);
      options.onRefused?.('ip_limit');
      return rejectUpgrade(socket, 429, 'Too Many Requests', 'Retry-After: 10\r\n');
    }
    const release = releaseOnce(limits.perIp, ip);
    socket.once('close', release);
    // Host (development mode: DNS rebinding), then Origin; refused sockets still get 1008 and the reason.
    const origin = options.origins.check(request);
    // A slow identity provider may not hold the upgrade past the deadline: the socket opens and closes with 4002.
    const result: AuthResult | 'late' =
      origin.kind === 'refused'
        ? { ok: false, reason: 'forbidden', message: origin.message }
        : await withDeadline<AuthResult | 'late'>(authenticator.upgrade(request, url), options.authCheckTimeoutMs, () => 'late');
    if (origin.kind === 'refused')
      logger.warn({ ip, [origin.header]: origin.value }, `WebSocket connection refused: ${origin.header} ${origin.value} not allowed from ${ip}`);
    if (socket.destroyed) return release();
    const originHeader = originOf(request);
    const attach = attachOptionsFrom(url);
    wss.handleUpgrade(request, socket, head, (ws) => {
      // ws has its own error handling on the socket now; ours would pin this upgrade's request.
      socket.off('error', destroySelf);
      // From here the session gives the per-IP slot back when the socket closes.
      socket.off('close', release);
      const session = new WsSession(edge, ws, ip, originHeader, attach);
      sessions.set(ws, session);
      ws.on('message', onMessage);
      ws.on('pong', onPong);
      ws.on('error', onError);
      ws.on('close', onClose);
      if (result === 'late') session.deadlineMissed();
      else if (result.ok) void session.admit(result.principal).catch((err: unknown) => session.fail(err, 'WebSocket admission failed'));
      else if (result.reason === 'missing') session.awaitAuth();
      else session.refuse(result);
    });
  }

  const listener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    onUpgrade(request, socket, head).catch((err: unknown) => {
      logger.error({ err }, 'WebSocket upgrade failed');
      socket.destroy();
    });
  };
  options.server.on('upgrade', listener);

  const tickMs = Math.max(50, Math.floor(Math.min(options.pingIntervalMs, options.pongTimeoutMs) / 2));
  const timer = setInterval(() => {
    const now = Date.now();
    for (const session of sessions.values()) session.beat(now, options.pingIntervalMs, options.pongTimeoutMs);
  }, tickMs);
  timer.unref();

  return {
    async close() {
      clearInterval(timer);
      if (edge.shared !== undefined)
        logger.info({ ...edge.shared.stats }, 'WebSocket compression: frames deflated, sends served from the shared cache, sends left to ws');
      options.server.off('upgrade', listener);
    },
  };
}
