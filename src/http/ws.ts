/**
 * The /ws endpoint: gates the upgrade (per-IP limit, origin, authentication), then maps each `ws`
 * socket onto the hub's HubSocket. Failed authentication still completes the handshake and closes
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
import type { Principal } from '../auth/principal.js';
import type { Hub } from '../core/hub.js';
import type { HubSocket, Logger } from '../core/socket.js';
import { CloseCode, ErrorCode, parseClientMessage, validateClientMessage, type Positions } from '../protocol/index.js';
import { createSharedDeflate } from './shared-deflate.js';
import { createCorker } from './cork.js';
import { createPreparedFrames } from './prepared-frames.js';
import { awaitAuthMessage } from './ws-await-auth.js';
import { watchCredential } from './ws-credential.js';

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

interface Heartbeat {
  pingSentAt: number;
  awaitingPong: boolean;
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

/** Buffers the hub hands over hold UTF-8 text: send them as text frames. */
const TEXT = { binary: false } as const;

function rejectUpgrade(socket: Duplex, status: number, text: string, headers = ''): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${headers}Content-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

function clientIp(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** Cheap pre-filter: only frames that may be `auth`/`refresh` are parsed at the edge. */
function maybeCredentialMessage(text: string): boolean {
  return text.length < 16_384 && (text.includes('"refresh"') || text.includes('"auth"'));
}

const FAILURE_WORDS: Readonly<Record<Exclude<AuthResult, { ok: true }>['reason'], string>> = {
  missing: 'missing token',
  invalid: 'invalid token',
  expired: 'expired token',
  forbidden: 'forbidden',
};

/** Reads `?topics=a,b` and `?resume=<json positions>` from the upgrade URL. */
function attachOptionsFrom(url: URL): { topics?: string[]; positions?: Positions; problem?: string } {
  const result: { topics?: string[]; positions?: Positions; problem?: string } = {};
  const topics = url.searchParams.get('topics');
  if (topics !== null) result.topics = topics.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  const resume = url.searchParams.get('resume');
  if (resume !== null) {
    let positions: unknown;
    try {
      positions = JSON.parse(resume);
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
  const heartbeats = new Map<WebSocket, Heartbeat>();
  const corker = createCorker();
  const prepared = createPreparedFrames();
  // Frames that may be compressed go through the deflate path; the rest are framed once and shared.
  const directBelowBytes = options.compression === undefined ? Infinity : options.compression.thresholdBytes;
  const shared = options.compression === undefined ? undefined : createSharedDeflate({ thresholdBytes: options.compression.thresholdBytes });
  const connectLimiter = options.connectRatePerSecond > 0 ? new RateLimiterMemory({ points: options.connectRatePerSecond, duration: 1 }) : undefined;

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

  function adapt(ws: WebSocket): HubSocket {
    return {
      send(frame) {
        if (ws.readyState !== ws.OPEN) return;
        corker.before(ws);
        if (typeof frame !== 'string' && frame.length < directBelowBytes && prepared.write(ws, frame)) return;
        if (shared === undefined) ws.send(frame, TEXT);
        else shared.send(ws, frame);
      },
      close(code, reason) {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      },
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
    };
  }

  function refuse(ws: WebSocket, ip: string, result: Exclude<AuthResult, { ok: true }>): void {
    const detail = result.reason === 'forbidden' ? `${FAILURE_WORDS.forbidden} (${result.message})` : FAILURE_WORDS[result.reason];
    logger.warn({ ip, reason: result.reason }, `WebSocket authentication failed: ${detail} from ${ip}`);
    options.onRefused?.(`auth_${result.reason}`);
    adapt(ws).close(CloseCode.POLICY_VIOLATION, `${result.reason}: ${result.message}`.slice(0, 120));
  }

  /** Runs the per-user limit, then attaches; `queued` holds frames that arrived meanwhile. */
  async function admit(ws: WebSocket, request: IncomingMessage, url: URL, principal: Principal, queued: RawData[]): Promise<void> {
    const ip = clientIp(request);
    if (!(await limits.perUser.acquire(principal.id))) {
      logger.warn({ ip, user: principal.name }, `WebSocket connection refused: too many connections for user ${principal.name} from ${ip}`);
      options.onRefused?.('user_limit');
      adapt(ws).close(CloseCode.TRY_AGAIN_LATER, 'too many connections for this user; close another one or try later');
      return;
    }
    if (ws.readyState !== ws.OPEN) {
      await limits.perUser.release(principal.id);
      return;
    }
    accept(ws, request, url, principal, queued);
  }

  function accept(ws: WebSocket, request: IncomingMessage, url: URL, principal: Principal, queued: RawData[]): void {
    const ip = clientIp(request);
    const attachOptions = attachOptionsFrom(url);
    const attached = hub.attach(adapt(ws), principal, attachOptions);
    if (attached === undefined) {
      void limits.perUser.release(principal.id);
      return;
    }
    logger.info({ clientId: attached.id, user: principal.name, ip, method: principal.method }, `WebSocket authenticated for user ${principal.name} from ${ip}`);
    if (attachOptions.problem !== undefined) adapt(ws).send(JSON.stringify({ type: 'error', code: 'invalid_message', message: attachOptions.problem, ref: 'connect' }));
    const credential = watchCredential({
      principal,
      request,
      authenticator,
      close: (code, reason) => adapt(ws).close(code, reason),
      onExpired: () => logger.info({ clientId: attached.id, user: principal.name, ip }, `WebSocket credential expired for user ${principal.name} from ${ip}`),
    });
    heartbeats.set(ws, { pingSentAt: Date.now(), awaitingPong: false });
    ws.on('pong', () => {
      const beat = heartbeats.get(ws);
      if (beat !== undefined) beat.awaitingPong = false;
    });
    // Frames are handled in arrival order; the rate check is asynchronous, so they queue on a chain.
    let chain = Promise.resolve();
    let limited = false;
    const onFrame = (data: RawData, isBinary: boolean): void => {
      chain = chain.then(async () => {
        if (limited) return;
        const allowed = await limits.messages.take(attached.id);
        if (!allowed.ok) {
          limited = true;
          logger.warn({ clientId: attached.id, user: principal.name, ip }, `WebSocket client ${attached.id} (${principal.name}) exceeded the message rate`);
          adapt(ws).send(JSON.stringify({ type: 'error', code: ErrorCode.RATE_LIMITED, message: 'too many messages per second; closing' }));
          adapt(ws).close(CloseCode.RATE_LIMITED, 'rate limited: too many messages per second');
          return;
        }
        if (options.debug) logger.debug({ clientId: attached.id, bytes: byteLength(data) }, 'WebSocket message');
        const text = isBinary ? '\u0000binary' : textOf(data);
        if (!isBinary && maybeCredentialMessage(text)) {
          const parsed = parseClientMessage(text);
          if (parsed.ok && parsed.message.type === 'refresh') {
            adapt(ws).send(JSON.stringify(await credential.refresh(parsed.message.token)));
            return;
          }
          if (parsed.ok && parsed.message.type === 'auth') {
            adapt(ws).send(JSON.stringify({ type: 'error', code: ErrorCode.INVALID_MESSAGE, message: 'already authenticated; use refresh to renew the credential', ref: 'auth' }));
            return;
          }
        }
        attached.receive(text, byteLength(data));
      }).catch((err: unknown) => logger.error({ err, clientId: attached.id }, 'WebSocket message handling failed'));
    };
    for (const data of queued) onFrame(data, false);
    ws.on('message', onFrame);
    ws.on('error', (err) => logger.debug({ err, clientId: attached.id }, 'WebSocket error'));
    ws.on('close', (code, reason) => {
      heartbeats.delete(ws);
      credential.stop();
      void limits.perUser.release(principal.id);
      attached.closed(code, reason.toString());
      logger.info({ clientId: attached.id, user: principal.name, code }, `Client ${attached.id} (${principal.name}) disconnected`);
    });
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
    const origin = options.origins.check(request);
    const result: AuthResult = origin.kind === 'refused'
      ? { ok: false, reason: 'forbidden', message: `origin ${origin.origin.slice(0, 60)} is not allowed` }
      : await authenticator.upgrade(request, url);
    if (origin.kind === 'refused') logger.warn({ ip, origin: origin.origin }, `WebSocket connection refused: origin ${origin.origin} not allowed from ${ip}`);
    if (socket.destroyed) return release();
    wss.handleUpgrade(request, socket, head, (ws) => {
      // ws has its own error handling on the socket now; ours would pin this upgrade's request.
      socket.off('error', destroySelf);
      socket.off('close', release);
      ws.once('close', release);
      if (result.ok) {
        const queued: RawData[] = [];
        const hold = (data: RawData): void => {
          queued.push(data);
        };
        ws.on('message', hold);
        void admit(ws, request, url, result.principal, queued).finally(() => ws.off('message', hold));
        return;
      }
      if (result.reason === 'missing') {
        return awaitAuthMessage(ws, {
          timeoutMs: options.authTimeoutMs,
          check: (token) => authenticator.credential(token, request),
          onFailure: (failure) => refuse(ws, ip, failure),
          onSuccess: (principal, queued) => admit(ws, request, url, principal, queued),
          onError: (err) => {
            logger.error({ err }, 'WebSocket in-band authentication failed');
            adapt(ws).close(CloseCode.INTERNAL_ERROR, 'internal error');
          },
        });
      }
      refuse(ws, ip, result);
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
    for (const [ws, beat] of heartbeats) {
      if (beat.awaitingPong) {
        if (now - beat.pingSentAt > options.pongTimeoutMs) {
          logger.debug({}, 'WebSocket peer missed a pong; terminating');
          heartbeats.delete(ws);
          ws.terminate();
        }
      } else if (now - beat.pingSentAt >= options.pingIntervalMs) {
        beat.pingSentAt = now;
        beat.awaitingPong = true;
        ws.ping();
      }
    }
  }, tickMs);
  timer.unref();

  return {
    async close() {
      clearInterval(timer);
      if (shared !== undefined) logger.info({ ...shared.stats }, 'WebSocket compression: frames deflated, sends served from the shared cache, sends left to ws');
      options.server.off('upgrade', listener);
    },
  };
}
