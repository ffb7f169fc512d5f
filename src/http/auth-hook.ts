/** Resolves the principal of every API request; routes read it with `principalOf(request)`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../core/errors.js';

const principals = new WeakMap<FastifyRequest, Principal>();

export function installAuth(app: FastifyInstance, authenticator: Authenticator, isPublic: (url: string) => boolean): void {
  app.addHook('onRequest', async (request) => {
    if (isPublic(request.url)) return;
    const result = await authenticator.http(request.raw);
    if (!result.ok) {
      throw new AppError(result.reason === 'forbidden' ? 'forbidden' : 'unauthorized', result.message, [], {
        headers: result.reason === 'forbidden' ? {} : { 'www-authenticate': 'Bearer' },
      });
    }
    principals.set(request, result.principal);
  });
}

export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (principal === undefined) throw new AppError('unauthorized', 'authentication required', [], { headers: { 'www-authenticate': 'Bearer' } });
  return principal;
}
