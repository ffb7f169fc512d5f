/**
 * Getting a stream in (GET /sse), the same gates as /ws (ws.ts) in the same order: the connection
 * rate and the per-IP slot (refused with 503 / 429 before the stream starts), then Host and
 * Origin and the credential (`authenticator.upgrade`, the check /ws uses) within the deadline,
 * the per-user slot and the hub's cap. Refusals from there on are the stream's `close` event.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { AuthResult } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import type { AttachOptions } from '../core/index.js';
import { CloseCode, ErrorCode } from '../protocol/index.js';
import { AppError } from '../shared/errors.js';
import type { SseEndpointOptions } from './sse.js';
import type { SseStream } from './sse-stream.js';
import { withDeadline } from './ws-credential.js';

export interface SseAdmission {
  /** Connection rate and per-IP slot; throws the REST error (503, 429). Returns the client's address. */
  gate(request: FastifyRequest): Promise<string>;
  /** Origin and credential within the deadline; undefined when refused (the stream is closed). */
  authenticate(request: IncomingMessage, url: URL, stream: SseStream): Promise<Principal | undefined>;
  /** The per-user slot, then the hub; refused, the stream is closed. */
  admit(stream: SseStream, principal: Principal, attach: AttachOptions, problem: string | undefined): Promise<void>;
}

export function createSseAdmission(options: SseEndpointOptions, streams: Map<string, SseStream>): SseAdmission {
  const { hub, limits, logger } = options;

  async function gate(request: FastifyRequest): Promise<string> {
    if (!(await options.connectRate.take())) {
      options.onRefused?.('connect_rate');
      throw new AppError('unavailable', 'too many new connections; retry shortly', [], { headers: { 'retry-after': '1' } });
    }
    const ip = request.raw.socket.remoteAddress ?? 'unknown';
    if (!(await limits.perIp.acquire(ip))) {
      logger.warn({ ip }, `SSE connection refused: too many connections from ${ip}`);
      options.onRefused?.('ip_limit');
      throw new AppError('rate_limited', `too many connections from ${ip}`, [], { headers: { 'retry-after': '10' } });
    }
    return ip;
  }

  /** Checks Origin and the credential within the deadline; a refusal is the stream's close event. */
  async function authenticate(request: IncomingMessage, url: URL, stream: SseStream): Promise<Principal | undefined> {
    const origin = options.origins.check(request);
    const result: AuthResult | 'late' =
      origin.kind === 'refused'
        ? { ok: false, reason: 'forbidden', message: origin.message }
        : await withDeadline<AuthResult | 'late'>(options.authenticator.upgrade(request, url), options.authCheckTimeoutMs, () => 'late');
    if (result !== 'late' && result.ok) return result.principal;
    const reason = result === 'late' ? 'auth_timeout' : `auth_${result.reason}`;
    logger.warn({ ip: stream.ip, reason }, `SSE authentication failed (${reason}) from ${stream.ip}`);
    options.onRefused?.(reason);
    if (result === 'late' || result.reason === 'unavailable') {
      stream.close(CloseCode.AUTH_TIMEOUT, 'authentication timed out: the credential could not be checked in time; retry later');
    } else stream.close(CloseCode.POLICY_VIOLATION, `${result.reason}: ${result.message}`.slice(0, 120));
    return undefined;
  }

  /** Takes the user's slot and attaches to the hub; false when refused (the stream is closed). */
  async function admit(stream: SseStream, principal: Principal, attach: AttachOptions, problem: string | undefined): Promise<void> {
    const slot = limits.perUser.acquire(principal.id);
    const acquired = await withDeadline<boolean | 'late'>(slot, options.authCheckTimeoutMs, () => 'late');
    // A slot taken after the deadline is given straight back.
    if (acquired === 'late') void slot.then((taken) => (taken ? limits.perUser.release(principal.id) : undefined));
    if (acquired !== true) {
      if (acquired === 'late') stream.close(CloseCode.AUTH_TIMEOUT, 'authentication timed out: admission took too long; retry later');
      else {
        options.onRefused?.('user_limit');
        stream.close(CloseCode.TRY_AGAIN_LATER, 'too many connections for this user; close another one or try later');
      }
      return;
    }
    const attached = stream.ended ? undefined : hub.attach(stream, principal, { ...attach, meta: { transport: 'sse', remoteAddress: stream.ip } });
    if (attached === undefined) {
      void limits.perUser.release(principal.id);
      return;
    }
    stream.opened(principal, attached);
    streams.set(attached.id, stream);
    logger.info(
      { clientId: attached.id, user: principal.name, ip: stream.ip, method: principal.method },
      `SSE stream opened for user ${principal.name} from ${stream.ip}`,
    );
    if (problem !== undefined) stream.send(JSON.stringify({ type: 'error', code: ErrorCode.INVALID_MESSAGE, message: problem, ref: 'connect' }));
  }

  return { gate, authenticate, admit };
}
