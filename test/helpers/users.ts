/**
 * A test authenticator naming the user per request (`x-test-user` header, or `?user=` on /ws), so
 * tests can act as several users. Users whose id starts with `viewer` lack the writer role
 * (`admin`); everyone else has it. Real authentication has its own suites under test/auth.
 */
import type { Authenticator } from '../../src/auth/authenticator.js';

export function multiUserAuthenticator(): Authenticator {
  const principal = (id: string) => ({ ok: true as const, principal: { id, name: id, roles: id.startsWith('viewer') ? [] : ['admin'], method: 'test' } });
  return {
    async http(request) {
      const user = request.headers['x-test-user'];
      return principal(typeof user === 'string' && user !== '' ? user : 'alice');
    },
    async upgrade(_request, url) {
      return principal(url.searchParams.get('user') ?? 'alice');
    },
    async credential(token) {
      return principal(token);
    },
  };
}
