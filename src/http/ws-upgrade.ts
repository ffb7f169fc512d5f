/**
 * The gate in front of /ws, passed before the WebSocket exists: the path, this process's connect
 * rate (503), the per-IP limit (429), Host and Origin, then the credential under its deadline.
 * Host, Origin and credential refusals pass the gate with their answer, so the socket still opens
 * and closes with 1008 and the reason: browsers would see only 1006 otherwise.
 */
import type { ConnectRate } from './connect-rate.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuthResult, Authenticator } from '../auth/authenticator.js';
import type { AuthLimits } from '../auth/limits.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { Logger } from '../shared/logger.js';
import { filtersParam, problems, resumeParam, topicsParam } from './connect-query.js';
import { withDeadline } from './ws-credential.js';
import type { UpgradeAttach } from './ws-session.js';

export interface UpgradeGateOptions {
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  readonly limits: AuthLimits;
  readonly logger: Logger;
  /** Deadline for the credential check; a miss passes as `late` (the socket closes with 4002). */
  readonly authCheckTimeoutMs: number;
  /** New connections per second in this process (WS_MAX_CONNECT_RATE), shared with /sse; beyond it 503. */
  readonly connectRate: ConnectRate;
  readonly onRefused?: ((reason: string) => void) | undefined;
}

/** An upgrade that passed the gate: what its session starts from. */
export interface PassedUpgrade {
  readonly ip: string;
  /** The Origin header, kept by the session for in-band credential checks. */
  readonly origin: string | undefined;
  /** `?topics=`, `?resume=` and `?filters=` from the URL, or the problem with them. */
  readonly attach: UpgradeAttach;
  /** The credential check's answer (a refusal included), or `late` past the deadline. */
  readonly result: AuthResult | 'late';
  /**
   * Stops guarding the raw socket, right before `ws` takes it: ws handles its errors from then on,
   * and the session gives the per-IP slot back; `refused` when ws turned the handshake down.
   */
  handOver(): void;
  /** ws turned the handshake down (answered 400 and ended the socket): gives the per-IP slot back once it has closed. */
  refused(): void;
}

/** Resolves undefined when the upgrade was answered (404, 429, 503) or its socket went away meanwhile. */
export type UpgradeGate = (request: IncomingMessage, socket: Duplex) => Promise<PassedUpgrade | undefined>;

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

/** 503 with Retry-After: 1, for an upgrade this process will not take now (over the connect rate, or stopping). */
function rejectBusy(socket: Duplex): void {
  rejectUpgrade(socket, 503, 'Service Unavailable', 'Retry-After: 1\r\n');
}

/** The upgrade listener of a stopping server: every upgrade gets 503 with Retry-After (ws.ts). */
export function refuseWhileStopping(_request: IncomingMessage, socket: Duplex): void {
  socket.on('error', destroySelf);
  rejectBusy(socket);
}

/**
 * The last client's address. The next socket from the same address (behind a proxy, every socket)
 * keeps this string rather than a copy of its own: about 30 bytes per idle connection.
 */
let lastIp = '';

function clientIp(request: IncomingMessage): string {
  const socket = request.socket as IncomingMessage['socket'] & { _peername?: unknown };
  const ip = socket.remoteAddress ?? 'unknown';
  // net.Socket caches the peer's address as an object on first read (`_peername`, with its own
  // string: about 90 bytes) and holds it while open. The edge keeps the address itself, so the
  // cache goes; Node reads it from the handle again if anything asks.
  if (socket._peername !== undefined) socket._peername = undefined;
  if (ip !== lastIp) lastIp = ip;
  return lastIp;
}

function originOf(request: IncomingMessage): string | undefined {
  const value = request.headers.origin;
  return typeof value === 'string' ? value : undefined;
}

/** Reads `?topics=a,b`, `?resume=<json positions>` and `?filters=<json named filters>` from the upgrade URL. */
function attachOptionsFrom(url: URL): UpgradeAttach {
  const topics = topicsParam(url);
  const resume = resumeParam(url);
  const named = filtersParam(url);
  const problem = problems(resume.problem, named.problem);
  return {
    ...(topics === undefined ? {} : { topics }),
    ...(resume.positions === undefined ? {} : { positions: resume.positions }),
    ...(named.filters === undefined ? {} : { filters: named.filters }),
    ...(problem === undefined ? {} : { problem }),
  };
}

/** A check that answers false (and the socket 503) when this second's connection budget is spent. */
function connectRate(rate: ConnectRate, onRefused: UpgradeGateOptions['onRefused']): (socket: Duplex) => Promise<boolean> {
  return async (socket) => {
    if (await rate.take()) return true;
    onRefused?.('connect_rate');
    rejectBusy(socket);
    return false;
  };
}

/** Takes one of the IP's connection slots (or answers 429); the slot goes back when the socket closes. */
async function takeIpSlot(options: UpgradeGateOptions, socket: Duplex, ip: string): Promise<(() => void) | undefined> {
  if (!(await options.limits.perIp.acquire(ip))) {
    options.logger.warn({ ip }, `WebSocket connection refused: too many connections from ${ip}`);
    options.onRefused?.('ip_limit');
    rejectUpgrade(socket, 429, 'Too Many Requests', 'Retry-After: 10\r\n');
    return undefined;
  }
  const release = releaseOnce(options.limits.perIp, ip);
  // `release` is idempotent and 'close' comes once: `on` spares the bound wrapper `once` makes per socket.
  socket.on('close', release);
  return release;
}

/** Host (development mode: DNS rebinding), then Origin, then the credential. */
async function checkCredential(options: UpgradeGateOptions, request: IncomingMessage, url: URL, ip: string): Promise<AuthResult | 'late'> {
  const origin = options.origins.check(request);
  if (origin.kind === 'refused') {
    options.logger.warn({ ip, [origin.header]: origin.value }, `WebSocket connection refused: ${origin.header} ${origin.value} not allowed from ${ip}`);
    return { ok: false, reason: 'forbidden', message: origin.message };
  }
  // A slow identity provider may not hold the upgrade past the deadline: the socket opens and closes with 4002.
  return withDeadline<AuthResult | 'late'>(options.authenticator.upgrade(request, url), options.authCheckTimeoutMs, () => 'late');
}

/** The gate for upgrades to `path`; any other path is answered 404. */
export function createUpgradeGate(options: UpgradeGateOptions, path: string): UpgradeGate {
  const withinConnectRate = connectRate(options.connectRate, options.onRefused);
  return async (request, socket) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      rejectUpgrade(socket, 404, 'Not Found');
      return undefined;
    }
    socket.on('error', destroySelf);
    if (!(await withinConnectRate(socket))) return undefined;
    const ip = clientIp(request);
    const release = await takeIpSlot(options, socket, ip);
    if (release === undefined) return undefined;
    const result = await checkCredential(options, request, url, ip);
    if (socket.destroyed) {
      release();
      return undefined;
    }
    return {
      ip,
      origin: originOf(request),
      attach: attachOptionsFrom(url),
      result,
      handOver() {
        socket.off('error', destroySelf);
        socket.off('close', release);
      },
      refused() {
        if (socket.closed) release();
        else socket.on('close', release);
      },
    };
  };
}
