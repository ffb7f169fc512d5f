/**
 * The admin API under /api/v1/admin (admin role only, 403 otherwise): every connection on every
 * instance, force-disconnect by connection, session or user, and a user's access (blocked, roles
 * taken away), which applies at every authentication and at once to their open sockets. Each
 * action writes one structured audit line (who, what, target, reason, how many connections
 * closed) and counts against the admin's per-minute budget (ADMIN_ACTIONS_PER_MINUTE).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { ROLE_ADMIN, ROLE_USER } from '../auth/roles.js';
import type { ConnectionFilter, ConnectionInfo } from '../core/index.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Store, UserAccess } from '../store/types.js';
import { createChecker, isRecord, parseIntParam } from '../services/validate.js';
import { principalOf } from './auth-hook.js';

/** The administrator's reason must fit a WebSocket close frame (123 bytes) whole. */
export const ADMIN_REASON_MAX_BYTES = 100;
const USER_ID_MAX = 256;
const REVOCABLE_ROLES = [ROLE_USER, ROLE_ADMIN] as const;

/** What the routes need of the instances (composition/admin-control.ts). */
export interface AdminReach {
  list(
    filter: ConnectionFilter,
    limit: number,
  ): Promise<{ connections: readonly ConnectionInfo[]; matched: number; truncated: boolean; instances: readonly string[] }>;
  disconnect(filter: ConnectionFilter, reason: string): Promise<{ closed: number; instances: readonly string[] }>;
  accessChanged(userId: string): Promise<{ closed: number; instances: readonly string[] }>;
}

export interface AdminRoutesOptions {
  readonly reach: AdminReach;
  readonly store: Store;
  readonly logger: Logger;
  readonly listMax: number;
  readonly actionsPerMinute: number;
  readonly now?: () => number;
}

type Query = Record<string, string | undefined>;

/** A fixed one-minute window per admin; the map holds admins only (everyone else got 403 first). */
function createActionBudget(perMinute: number, now: () => number): (admin: string) => void {
  const windows = new Map<string, { start: number; count: number }>();
  return (admin) => {
    const at = now();
    const w = windows.get(admin);
    if (w === undefined || at - w.start >= 60_000) {
      windows.set(admin, { start: at, count: 1 });
      return;
    }
    w.count += 1;
    if (w.count > perMinute) {
      const seconds = Math.max(1, Math.ceil((w.start + 60_000 - at) / 1000));
      throw new AppError('rate_limited', `too many admin actions; retry in ${seconds} s`, [], { headers: { 'retry-after': String(seconds) } });
    }
  };
}

/** The reason: a non-empty string of at most ADMIN_REASON_MAX_BYTES bytes (UTF-8). */
function reasonOf(value: unknown): string {
  const check = createChecker();
  const reason = check.string('reason', value, { max: ADMIN_REASON_MAX_BYTES, min: 1 }) ?? '';
  check.done();
  if (Buffer.byteLength(reason) > ADMIN_REASON_MAX_BYTES) {
    throw new AppError('validation_failed', `reason: at most ${ADMIN_REASON_MAX_BYTES} bytes (it travels in the WebSocket close frame)`, [
      { field: 'reason', message: 'is too long' },
    ]);
  }
  return reason;
}

/** Exactly one of connection, session, user. */
function targetOf(body: Record<string, unknown>): ConnectionFilter & { readonly by: 'connection' | 'session' | 'user'; readonly id: string } {
  const given = (['connection', 'session', 'user'] as const).filter((k) => body[k] !== undefined);
  const by = given[0];
  if (given.length !== 1 || by === undefined)
    throw new AppError('validation_failed', 'give exactly one of connection, session, user', [{ field: 'target', message: 'is required' }]);
  const check = createChecker();
  const id = check.string(by, body[by], { max: USER_ID_MAX, min: 1 }) ?? '';
  check.done();
  return { by, id, [by]: id };
}

function accessOf(body: unknown, user: string, actor: Principal, at: string): UserAccess {
  if (!isRecord(body)) throw new AppError('validation_failed', 'the body must be a JSON object');
  const check = createChecker();
  const blocked = check.bool('blocked', body.blocked) ?? false;
  const roles = body.revoked_roles ?? [];
  const valid = Array.isArray(roles) && roles.length <= REVOCABLE_ROLES.length && roles.every((r) => (REVOCABLE_ROLES as readonly unknown[]).includes(r));
  check.done();
  if (!valid)
    throw new AppError('validation_failed', `revoked_roles: an array of ${REVOCABLE_ROLES.join(', ')}`, [{ field: 'revoked_roles', message: 'is invalid' }]);
  return { userId: user, blocked, revokedRoles: [...new Set(roles as string[])], reason: reasonOf(body.reason), updatedBy: actor.id, updatedAt: at };
}

function accessJson(access: UserAccess | undefined, user: string): object {
  if (access === undefined) return { user, blocked: false, revoked_roles: [], reason: null, updated_by: null, updated_at: null };
  return {
    user,
    blocked: access.blocked,
    revoked_roles: access.revokedRoles,
    reason: access.reason,
    updated_by: access.updatedBy,
    updated_at: access.updatedAt,
  };
}

export function registerAdminRoutes(app: FastifyInstance, options: AdminRoutesOptions): void {
  const { reach, store, logger, listMax } = options;
  const now = options.now ?? Date.now;
  const spend = createActionBudget(options.actionsPerMinute, now);
  const base = '/api/v1/admin';

  /** The caller, when an admin with budget left: 403 for everyone else, 429 past the budget. */
  const admin = (request: FastifyRequest): Principal => {
    const principal = principalOf(request);
    if (!principal.roles.includes(ROLE_ADMIN)) throw new AppError('forbidden', `requires role ${ROLE_ADMIN}`);
    spend(principal.id);
    return principal;
  };
  const audit = (actor: Principal, fields: Record<string, unknown>): void =>
    logger.info({ audit: 'admin', actor: actor.id, actor_method: actor.method, ...fields }, `admin ${String(fields.action)} by ${actor.id}`);

  app.get<{ Querystring: Query }>(`${base}/connections`, async (request) => {
    const actor = admin(request);
    const limit = parseIntParam('limit', request.query.limit, Math.min(100, listMax), 1, listMax);
    const user = request.query.user;
    if (user !== undefined && (user.length === 0 || user.length > USER_ID_MAX)) throw new AppError('validation_failed', 'user: 1–256 characters');
    const listing = await reach.list(user === undefined ? {} : { user }, limit);
    audit(actor, { action: 'list_connections', target: user ?? null, matched: listing.matched, instances: listing.instances.length });
    return listing;
  });

  app.post(`${base}/disconnect`, async (request) => {
    const actor = admin(request);
    const body = isRecord(request.body) ? request.body : {};
    const target = targetOf(body);
    const reason = reasonOf(body.reason);
    // Sessions end first, so a socket that reconnects at once finds its cookie refused.
    const sessionsEnded =
      target.by === 'user'
        ? (await store.write((tx) => tx.sessions.deleteByUser(target.id))).length
        : target.by === 'session'
          ? Number(await store.write((tx) => tx.sessions.delete(target.id)))
          : 0;
    const filter: ConnectionFilter = { [target.by]: target.id };
    const result = await reach.disconnect(filter, reason);
    audit(actor, {
      action: 'disconnect',
      target: { [target.by]: target.id },
      reason,
      closed: result.closed,
      sessions_ended: sessionsEnded,
      instances: result.instances.length,
    });
    return { closed: result.closed, sessions_ended: sessionsEnded, instances: result.instances };
  });

  app.get<{ Params: { user: string } }>(`${base}/users/:user/access`, async (request) => {
    admin(request);
    const user = request.params.user;
    return accessJson(await store.read((tx) => tx.access.get(user)), user);
  });

  app.put<{ Params: { user: string } }>(`${base}/users/:user/access`, async (request) => {
    const actor = admin(request);
    const user = request.params.user;
    if (user.length > USER_ID_MAX) throw new AppError('validation_failed', 'user: at most 256 characters');
    if (user === actor.id) throw new AppError('conflict', 'an administrator cannot change their own access');
    const access = accessOf(request.body, user, actor, new Date(now()).toISOString());
    await store.write((tx) => tx.access.put(access));
    const result = await reach.accessChanged(user);
    audit(actor, {
      action: 'set_access',
      target: { user },
      reason: access.reason,
      blocked: access.blocked,
      revoked_roles: access.revokedRoles,
      closed: result.closed,
      instances: result.instances.length,
    });
    return { ...accessJson(access, user), closed: result.closed, instances: result.instances };
  });
}
