/**
 * The authenticator used when AUTH_ENABLED=true. REST: session cookie, or `Authorization: Bearer`
 * with an OIDC token or the API token. /ws additionally: a ws-token in `?token=` or in a
 * `token.<jwt>` subprotocol, or (when none is given) an in-band `auth` message.
 */
import type { IncomingMessage } from 'node:http';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { API_TOKEN_PRINCIPAL, createApiTokenCheck } from './api-token.js';
import type { AuthResult, Authenticator } from './authenticator.js';
import { SESSION_COOKIE, parseCookies } from './cookies.js';
import type { OidcVerifier } from './oidc-verifier.js';
import type { SessionManager } from './sessions.js';
import type { WsTokens } from './ws-token.js';
import { WS_TOKEN_ISSUER } from './ws-token.js';

export interface EnabledAuthenticatorOptions {
  readonly sessions: SessionManager;
  readonly wsTokens: WsTokens;
  readonly oidc: OidcVerifier | undefined;
  readonly apiToken: string | undefined;
}

/** Subprotocol prefix that carries a token: `new WebSocket(url, ['aether-v', 'token.' + jwt])`. */
export const TOKEN_PROTOCOL_PREFIX = 'token.';

const MISSING: AuthResult = {
  ok: false,
  reason: 'missing',
  message: 'authentication required: send a token (?token=, subprotocol or auth message), session cookie or bearer token',
};
const INVALID: AuthResult = { ok: false, reason: 'invalid', message: 'invalid token' };

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearerOf(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header(request, 'authorization') ?? '');
  return match?.[1];
}

/** The token carried in `Sec-WebSocket-Protocol`, if any. */
export function protocolTokenOf(request: IncomingMessage): string | undefined {
  const protocols = (header(request, 'sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
  const carrier = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  return carrier?.slice(TOKEN_PROTOCOL_PREFIX.length);
}

function isWsToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).alg === 'HS256' && decodeJwt(token).iss === WS_TOKEN_ISSUER;
  } catch {
    return false;
  }
}

export function createEnabledAuthenticator(options: EnabledAuthenticatorOptions): Authenticator {
  const { sessions, wsTokens, oidc } = options;
  const apiTokenMatches = options.apiToken === undefined ? undefined : createApiTokenCheck(options.apiToken);

  /** A bearer credential: OIDC JWT, ws-token (sockets only) or the API token. */
  async function bearer(token: string, origin: string | undefined, allowWsToken: boolean): Promise<AuthResult> {
    if (token.split('.').length === 3) {
      if (isWsToken(token)) return allowWsToken ? wsToken(token) : { ok: false, reason: 'invalid', message: 'ws-tokens are for /ws only' };
      if (oidc === undefined) return INVALID;
      return oidc.verify(token);
    }
    if (apiTokenMatches !== undefined && apiTokenMatches(token)) {
      if (origin !== undefined) {
        return { ok: false, reason: 'forbidden', message: 'the API token is not accepted from a browser page (Origin header present)' };
      }
      return { ok: true, principal: API_TOKEN_PRINCIPAL };
    }
    return INVALID;
  }

  /**
   * A ws-token only opens the door: the socket then lives as long as the session that issued the
   * token (closed with 4003 at its end or on logout), not the token's five minutes.
   */
  async function wsToken(token: string): Promise<AuthResult> {
    const result = await wsTokens.verify(token);
    if (!result.ok || result.principal.sessionId === undefined) return result;
    const found = await sessions.byId(result.principal.sessionId);
    if (!found.ok) return { ok: false, reason: 'expired', message: 'the session behind this token has ended; sign in again' };
    return { ok: true, principal: { ...result.principal, expiresAt: found.session.expiresAt } };
  }

  async function session(request: IncomingMessage): Promise<AuthResult | undefined> {
    const cookie = parseCookies(header(request, 'cookie')).get(SESSION_COOKIE);
    if (cookie === undefined) return undefined;
    const found = await sessions.resolve(cookie);
    if (!found.ok) return { ok: false, reason: found.reason, message: found.reason === 'expired' ? 'session expired; sign in again' : 'invalid session' };
    return { ok: true, principal: sessions.principalOf(found.session) };
  }

  return {
    async http(request) {
      const token = bearerOf(request);
      if (token !== undefined) return bearer(token, header(request, 'origin'), false);
      return (await session(request)) ?? MISSING;
    },
    async upgrade(request, url) {
      const token = url.searchParams.get('token') ?? protocolTokenOf(request) ?? bearerOf(request);
      if (token !== null && token !== undefined) return bearer(token, header(request, 'origin'), true);
      return (await session(request)) ?? MISSING;
    },
    credential: (token, socket) => bearer(token, socket.origin, true),
  };
}
