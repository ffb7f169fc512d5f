/**
 * Administrators' decisions about users (`user_access`, the admin API) applied on top of the
 * identity provider: at every authentication (the wrapper below), and to the sockets already open
 * when a decision changes (composition/admin-control.ts). A blocked user, or one whose `user` role
 * was taken away, may not authenticate at all; other revoked roles are taken out of the principal.
 *
 * Each instance keeps a user's record for `cacheMs` at most; a change also reaches every instance
 * at once over the bus (`forget`), so the cache only bounds store reads per request.
 */
import type { UserAccess } from '../store/types.js';
import type { AuthResult, Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';
import { ROLE_USER } from './roles.js';

/** The principal a user keeps under `access`, or undefined when they may not authenticate at all. */
export function applyAccess(principal: Principal, access: UserAccess | undefined): Principal | undefined {
  if (access === undefined) return principal;
  if (access.blocked || access.revokedRoles.includes(ROLE_USER)) return undefined;
  if (!principal.roles.some((role) => access.revokedRoles.includes(role))) return principal;
  return { ...principal, roles: principal.roles.filter((role) => !access.revokedRoles.includes(role)) };
}

export interface AccessLookup {
  /** The user's record (cached for at most `cacheMs`), undefined when none. */
  get(userId: string): Promise<UserAccess | undefined>;
  /** Drops the user's cached record (a change arrived over the bus). */
  forget(userId: string): void;
}

/** At most this many users' records are cached per instance (the oldest go first). */
const MAX_CACHED_USERS = 10_000;

export function createAccessLookup(load: (userId: string) => Promise<UserAccess | undefined>, cacheMs: number, now: () => number = Date.now): AccessLookup {
  // Promises are cached, so a burst of connections of one user reads the store once.
  const cache = new Map<string, { readonly at: number; readonly access: Promise<UserAccess | undefined> }>();
  return {
    get(userId) {
      const hit = cache.get(userId);
      if (hit !== undefined && now() - hit.at < cacheMs) return hit.access;
      const entry = { at: now(), access: load(userId) };
      cache.delete(userId);
      if (cacheMs > 0) {
        if (cache.size >= MAX_CACHED_USERS) cache.delete(cache.keys().next().value as string);
        cache.set(userId, entry);
        // A failed read is not kept: the next authentication reads again.
        entry.access.catch(() => cache.get(userId) === entry && cache.delete(userId));
      }
      return entry.access;
    },
    forget: (userId) => void cache.delete(userId),
  };
}

/** Wraps an authenticator so that every successful check is run past the user's access record. */
export function withAccess(inner: Authenticator, lookup: AccessLookup): Authenticator {
  const check = async (result: AuthResult): Promise<AuthResult> => {
    if (!result.ok) return result;
    let access: UserAccess | undefined;
    try {
      access = await lookup.get(result.principal.id);
    } catch {
      // The store is unreachable: the credential may be good, so retryable (REST 503, /ws 4002), never let in unchecked.
      return { ok: false, reason: 'unavailable', message: 'the user access record could not be read; retry later' };
    }
    const principal = applyAccess(result.principal, access);
    return principal === undefined ? { ok: false, reason: 'forbidden', message: 'access revoked by an administrator' } : { ok: true, principal };
  };
  return {
    http: async (request) => check(await inner.http(request)),
    upgrade: async (request, url) => check(await inner.upgrade(request, url)),
    credential: async (token, socket) => check(await inner.credential(token, socket)),
  };
}
