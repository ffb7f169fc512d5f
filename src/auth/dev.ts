import type { Authenticator } from './authenticator.js';
import { DEV_PRINCIPAL } from './principal.js';

/** Development auth: every request and socket is `dev-user`. Only reachable with ALLOW_DEV_AUTH=true. */
export function createDevAuthenticator(): Authenticator {
  const result = { ok: true, principal: DEV_PRINCIPAL } as const;
  return {
    http: async () => result,
    upgrade: async () => result,
    credential: async () => result,
  };
}
