/**
 * The role model. Identity-provider roles (the `roles` and `groups` claims) map onto two
 * application roles: `user` (has OIDC_ROLE_NAME, or everyone when it is `*`) and `admin` (has
 * OIDC_ADMIN_ROLE). Principals carry application roles only; the API token and dev mode are `admin`.
 */
import { AppError } from '../shared/errors.js';
import type { Principal } from './principal.js';

export const ROLE_USER = 'user';
export const ROLE_ADMIN = 'admin';

export interface RolePolicy {
  /** `*` lets every authenticated user in. */
  readonly roleName: string;
  readonly adminRole: string | undefined;
}

/** The identity provider's roles: the union of the `roles` and `groups` claims (string or array). */
export function idpRolesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const result = new Set<string>();
  for (const key of ['roles', 'groups']) {
    const value = claims[key];
    if (typeof value === 'string') result.add(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') result.add(v);
  }
  return [...result];
}

export type RoleDecision = { readonly ok: true; readonly roles: readonly string[] } | { readonly ok: false; readonly message: string };

/** Maps identity-provider roles to application roles, refusing a user without the required role. */
export function decideRoles(idpRoles: readonly string[], policy: RolePolicy): RoleDecision {
  const admin = policy.adminRole !== undefined && idpRoles.includes(policy.adminRole);
  if (policy.roleName !== '*' && !idpRoles.includes(policy.roleName) && !admin) {
    return { ok: false, message: `missing required role ${JSON.stringify(policy.roleName)}` };
  }
  return { ok: true, roles: admin ? [ROLE_USER, ROLE_ADMIN] : [ROLE_USER] };
}

/** The role a principal needs for inventory writes and for creating or cancelling jobs. */
export const WRITER_ROLE = ROLE_ADMIN;

/** Throws 403 `forbidden` with detail "requires role admin" unless `principal` has WRITER_ROLE. */
export function requireWriter(principal: Principal): void {
  if (!principal.roles.includes(WRITER_ROLE)) throw new AppError('forbidden', `requires role ${WRITER_ROLE}`);
}
