/**
 * The /ws endpoint: authenticates the upgrade, then maps each `ws` socket onto the hub's HubSocket.
 * Failed authentication still completes the handshake and closes with 1008, so browsers see the
 * code and reason rather than 1006. Heartbeats ping on a fixed schedule that incoming data does not
 * postpone.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type PerMessageDeflateOptions, type RawData, type WebSocket } from 'ws';
import type { Authenticator } from '../auth/authenticator.js';
import type { Hub } from '../core/hub.js';
import type { HubSocket, Logger } from '../core/socket.js';
import { CloseCode, validateClientMessage, type Positions } from '../protocol/index.js';
import { createSharedDeflate } from './shared-deflate.js';

export interface WsEndpointOptions {
  readonly server: Server;
  readonly hub: Hub;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly debug: boolean;
  readonly maxPayloadBytes: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
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

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
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
  const { hub, authenticator, logger } = options;
  const path = options.path ?? '/ws';
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: deflateOptions(options.compression), clientTracking: false });
  const heartbeats = new Map<WebSocket, Heartbeat>();
  const shared = options.compression === undefined ? undefined : createSharedDeflate({ thresholdBytes: options.compression.thresholdBytes });

  function adapt(ws: WebSocket): HubSocket {
    return {
      send(frame) {
        if (ws.readyState !== ws.OPEN) return;
        if (shared === undefined) ws.send(frame);
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

  function accept(ws: WebSocket, request: IncomingMessage, url: URL, principal: Parameters<Hub['attach']>[1]): void {
    const ip = clientIp(request);
    const attachOptions = attachOptionsFrom(url);
    const attached = hub.attach(adapt(ws), principal, attachOptions);
    if (attached === undefined) return;
    logger.info({ clientId: attached.id, user: principal.name, ip, method: principal.method }, `WebSocket authenticated for user ${principal.name} from ${ip}`);
    if (attachOptions.problem !== undefined) adapt(ws).send(JSON.stringify({ type: 'error', code: 'invalid_message', message: attachOptions.problem, ref: 'connect' }));
    heartbeats.set(ws, { pingSentAt: Date.now(), awaitingPong: false });
    ws.on('pong', () => {
      const beat = heartbeats.get(ws);
      if (beat !== undefined) beat.awaitingPong = false;
    });
    ws.on('message', (data, isBinary) => {
      if (options.debug) logger.debug({ clientId: attached.id, bytes: byteLength(data) }, 'WebSocket message');
      attached.receive(isBinary ? '\u0000binary' : textOf(data), byteLength(data));
    });
    ws.on('error', (err) => logger.debug({ err, clientId: attached.id }, 'WebSocket error'));
    ws.on('close', (code, reason) => {
      heartbeats.delete(ws);
      attached.closed(code, reason.toString());
      logger.info({ clientId: attached.id, user: principal.name, code }, `Client ${attached.id} (${principal.name}) disconnected`);
    });
  }

  async function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return rejectUpgrade(socket, 404, 'Not Found');
    socket.on('error', () => socket.destroy());
    const result = await authenticator.upgrade(request, url);
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (result.ok) return accept(ws, request, url, result.principal);
      logger.warn({ ip: clientIp(request), reason: result.reason }, `WebSocket authentication failed: ${result.reason} token from ${clientIp(request)}`);
      ws.close(CloseCode.POLICY_VIOLATION, result.message.slice(0, 120));
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
