/**
 * Verifies OIDC access and ID tokens presented as bearer tokens: keys from the provider's JWKS
 * (found by discovery, cached, refetched on an unknown `kid`), asymmetric algorithms only, exact
 * issuer, audience = OIDC_CLIENT_ID, small clock tolerance, and the required role.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthResult } from './authenticator.js';
import type { Principal } from './principal.js';
import { decideRoles, idpRolesOf, type RolePolicy } from './roles.js';

/** RS/PS/ES only: `none` and HMAC (e.g. HS256 "signed" with the public key) are refused. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

export interface OidcVerifierOptions extends RolePolicy {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clockToleranceSec: number;
  /** Minimum time between JWKS refetches for unknown kids (jose's default is 30 s). */
  readonly jwksCooldownMs?: number;
  /** Deadline for each discovery and JWKS fetch (default 5000 ms): a hung provider fails the check instead of holding it. */
  readonly fetchTimeoutMs?: number;
  readonly now?: () => number;
}

const UNAVAILABLE: AuthResult = { ok: false, reason: 'unavailable', message: 'OIDC tokens cannot be verified now: the provider is unreachable; retry later' };

export interface OidcVerifier {
  verify(token: string): Promise<AuthResult>;
}

export interface DiscoveryDocument {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly [key: string]: unknown;
}

/** Fetches `/.well-known/openid-configuration` (within `timeoutMs`) and checks that it names the configured issuer. */
export async function discover(issuerUrl: string, timeoutMs = 10_000): Promise<DiscoveryDocument> {
  const response = await fetch(`${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`OIDC discovery failed: HTTP ${response.status}`);
  const doc = (await response.json()) as Partial<DiscoveryDocument>;
  if (typeof doc.issuer !== 'string' || typeof doc.jwks_uri !== 'string') throw new Error('OIDC discovery document lacks issuer or jwks_uri');
  return doc as DiscoveryDocument;
}

export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  let keys: Promise<{ issuer: string; getKey: JWTVerifyGetKey }> | undefined;

  function loadKeys(): Promise<{ issuer: string; getKey: JWTVerifyGetKey }> {
    const timeoutMs = options.fetchTimeoutMs ?? 5000;
    keys ??= discover(options.issuerUrl, timeoutMs).then(
      (doc) => ({
        issuer: doc.issuer,
        getKey: createRemoteJWKSet(new URL(doc.jwks_uri), { cooldownDuration: options.jwksCooldownMs ?? 30_000, timeoutDuration: timeoutMs }),
      }),
      (err: unknown) => {
        keys = undefined; // retry discovery on the next token
        throw err;
      },
    );
    return keys;
  }

  return {
    async verify(token) {
      let loaded;
      try {
        loaded = await loadKeys();
      } catch {
        return UNAVAILABLE;
      }
      const { issuer, getKey } = loaded;
      let payload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          algorithms: OIDC_ALGORITHMS,
          issuer,
          audience: options.clientId,
          clockTolerance: options.clockToleranceSec,
          requiredClaims: ['sub', 'exp'],
          ...(options.now === undefined ? {} : { currentDate: new Date(options.now()) }),
        }));
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired', message: 'OIDC token expired' };
        // The JWKS fetch timed out or failed (not a JOSE verdict on the token): ask again later.
        if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) return UNAVAILABLE;
        return { ok: false, reason: 'invalid', message: 'invalid OIDC token' };
      }
      const decision = decideRoles(idpRolesOf(payload), options);
      if (!decision.ok) return { ok: false, reason: 'forbidden', message: decision.message };
      const name = [payload.preferred_username, payload.email, payload.name].find((v): v is string => typeof v === 'string') ?? (payload.sub as string);
      const principal: Principal = { id: payload.sub as string, name, roles: decision.roles, method: 'oidc', expiresAt: (payload.exp as number) * 1000 };
      return { ok: true, principal };
    },
  };
}
