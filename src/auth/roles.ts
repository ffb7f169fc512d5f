/**
 * Roles. The one role that may change state beyond a user's own inbox (inventory writes, jobs).
 * Authenticators map their credentials onto it (OIDC role, API token); development auth has it.
 */
import { AppError } from '../core/errors.js';
import type { Principal } from './principal.js';

/** The role a principal needs for inventory writes and for creating or cancelling jobs. */
export const WRITER_ROLE = 'admin';

/** Throws 403 `forbidden` ("requires role admin") unless `principal` has `role`. */
export function requireRole(principal: Principal, role: string = WRITER_ROLE): void {
  if (!principal.roles.includes(role)) throw new AppError('forbidden', `requires role ${role}`);
}
