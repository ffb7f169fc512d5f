/**
 * Resolves the principal of every API request; routes read it with `principalOf(request)`.
 * Cookie-authenticated mutations must come from an allowed Origin (CSRF); a refused origin is logged.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthResult, Authenticator } from '../auth/authenticator.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { Principal } from '../auth/principal.js';
import { ROLE_ADMIN } from '../auth/roles.js';
import { AppError } from '../shared/errors.js';

const principals = new WeakMap<FastifyRequest, Principal>();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function installAuth(app: FastifyInstance, authenticator: Authenticator, isPublic: (url: string) => boolean, origins: OriginPolicy): void {
  app.addHook('onRequest', async (request) => {
    if (isPublic(request.url)) return;
    const result = await authenticator.http(request.raw);
    if (!result.ok) {
      if (result.reason !== 'missing') request.log.warn({ ip: request.ip, reason: result.reason }, `authentication failed: ${result.reason} credential from ${request.ip}`);
      throw authFailure(result);
    }
    if (result.principal.method === 'session' && !SAFE_METHODS.has(request.method)) checkCsrf(request, origins);
    principals.set(request, result.principal);
  });
}

/** The REST error for a failed check: 403 when forbidden, 503 when the provider is unavailable, else 401. */
export function authFailure(result: Exclude<AuthResult, { ok: true }>): AppError {
  if (result.reason === 'forbidden') return new AppError('forbidden', result.message);
  if (result.reason === 'unavailable') return new AppError('unavailable', result.message, [], { headers: { 'retry-after': '5' } });
  return new AppError('unauthorized', result.message, [], { headers: { 'www-authenticate': 'Bearer' } });
}

/** A cookie-authenticated mutation needs an allowed Origin header; browsers always send one on such requests. */
export function checkCsrf(request: FastifyRequest, origins: OriginPolicy): void {
  const origin = origins.check(request.raw);
  if (origin.kind === 'allowed') return;
  const shown = origin.kind === 'refused' ? origin.origin : 'none';
  request.log.warn({ ip: request.ip, origin: shown }, `request refused: origin ${shown} not allowed for a cookie-authenticated ${request.method} from ${request.ip}`);
  throw new AppError('forbidden', origin.kind === 'refused' ? `origin ${origin.origin.slice(0, 60)} is not allowed` : 'an Origin header is required for cookie-authenticated changes');
}

export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (principal === undefined) throw new AppError('unauthorized', 'authentication required', [], { headers: { 'www-authenticate': 'Bearer' } });
  return principal;
}

/** Throws 403 naming the missing role unless the principal has it. */
export function requireRole(principal: Principal, role: string, what: string): void {
  if (principal.roles.includes(role)) return;
  const hint = role === ROLE_ADMIN ? 'the admin role (OIDC_ADMIN_ROLE, or the API token)' : `the ${role} role`;
  throw new AppError('forbidden', `${what} needs ${hint}`);
}
