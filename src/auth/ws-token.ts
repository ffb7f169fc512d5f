/**
 * Short-lived WebSocket tokens (`GET /auth/ws-token`): HS256 JWTs signed with SESSION_SECRET_KEY,
 * audience `websocket`, usable once (`jti` remembered until the token's expiry). The used-jti set
 * is in memory by default; with several instances pass `claim` (Redis `SET NX PX`, or PostgreSQL's
 * `ws_token_jti` table without Redis; see wiring.ts) so a token used on one instance is refused on
 * every other.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { AuthResult } from './authenticator.js';
import type { Principal } from './principal.js';

export const WS_TOKEN_ISSUER = 'aether-v';
export const WS_TOKEN_AUDIENCE = 'websocket';

export interface WsTokenOptions {
  readonly secret: string;
  readonly ttlSec: number;
  /** Epoch ms; tests freeze it. */
  readonly now?: () => number;
  /**
   * Records `jti` as used until `expiresAtMs`; resolves false when it already was. Shared across
   * instances when given; the in-memory set is used when it is absent or rejects.
   */
  readonly claim?: (jti: string, expiresAtMs: number) => Promise<boolean>;
}

export interface WsTokens {
  issue(principal: Principal): Promise<{ token: string; expiresIn: number }>;
  /** Verifies and consumes a token: a second use of the same token fails. */
  verify(token: string): Promise<AuthResult>;
}

export function createWsTokens(options: WsTokenOptions): WsTokens {
  const key = new TextEncoder().encode(options.secret);
  const now = options.now ?? Date.now;
  const used = new Map<string, number>();

  function forgetExpired(nowMs: number): void {
    for (const [jti, exp] of used) if (exp <= nowMs) used.delete(jti);
  }

  return {
    async issue(principal) {
      const iat = Math.floor(now() / 1000);
      const claims: Record<string, unknown> = { preferred_username: principal.name, roles: [...principal.roles] };
      if (principal.sessionId !== undefined) claims.sid = principal.sessionId;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(principal.id)
        .setIssuer(WS_TOKEN_ISSUER)
        .setAudience(WS_TOKEN_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.ttlSec)
        .setJti(randomUUID())
        .sign(key);
      return { token, expiresIn: options.ttlSec };
    },
    async verify(token) {
      const nowMs = now();
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: WS_TOKEN_ISSUER,
          audience: WS_TOKEN_AUDIENCE,
          currentDate: new Date(nowMs),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        });
        const jti = payload.jti as string;
        const expMs = (payload.exp as number) * 1000;
        forgetExpired(nowMs);
        const reused = { ok: false, reason: 'invalid', message: 'token already used; fetch a new one from /auth/ws-token' } as const;
        if (used.has(jti)) return reused;
        used.set(jti, expMs);
        if (options.claim !== undefined && !(await options.claim(jti, expMs).catch(() => true))) return reused;
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
        const principal: Principal = {
          id: payload.sub as string,
          name: typeof payload.preferred_username === 'string' ? payload.preferred_username : (payload.sub as string),
          roles,
          method: 'ws-token',
          expiresAt: (payload.exp as number) * 1000,
          ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
        };
        return { ok: true, principal };
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired', message: 'token expired; fetch a new one from /auth/ws-token' };
        return { ok: false, reason: 'invalid', message: 'invalid token' };
      }
    },
  };
}
