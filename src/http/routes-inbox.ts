/**
 * REST routes of the inbox under /api/v1/notifications: view state (seen, archive, snooze),
 * resolving a condition, counts by filter and bulk changes by filter. Each is bounded: SEEN_MAX_IDS
 * ids, MAX_FILTERS filters, BULK_MAX rows per call.
 */
import type { FastifyInstance } from 'fastify';
import { requireWriter, ROLE_ADMIN } from '../auth/roles.js';
import type { JobService } from '../services/jobs.js';
import { checkConditionKey } from '../services/notification-input.js';
import { parseFilter, parseFilters } from '../services/notification-filter.js';
import type { NotificationService, StateChange } from '../services/notifications.js';
import { createChecker, isRecord, parseTimestamp } from '../services/validate.js';
import { AppError, validationError } from '../shared/errors.js';
import { principalOf, requireRole } from './auth-hook.js';

type IdParams = { id: string };

/** Longest snooze: 30 days. */
export const SNOOZE_MAX_MS = 30 * 86_400_000;

function bodyOf(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (!isRecord(body)) throw validationError([{ field: 'body', message: 'must be a JSON object' }]);
  return body;
}

function snoozeUntil(body: unknown, nowMs: number): string {
  const b = bodyOf(body);
  const check = createChecker();
  const minutes = check.int('minutes', b.minutes, { min: 1, max: SNOOZE_MAX_MS / 60_000, optional: true });
  check.done();
  if ((b.until === undefined) === (minutes === undefined))
    throw validationError([{ field: 'until', message: 'give exactly one of "until" (ISO-8601) or "minutes"' }]);
  const until = minutes !== undefined ? new Date(nowMs + minutes * 60_000).toISOString() : parseTimestamp('until', b.until);
  if (Date.parse(until) - nowMs > SNOOZE_MAX_MS) throw validationError([{ field: 'until', message: 'must be at most 30 days ahead' }]);
  return until;
}

function registerStateRoutes(app: FastifyInstance, service: NotificationService, base: string): void {
  const single: ReadonlyArray<readonly [string, StateChange]> = [
    ['seen', { kind: 'seen' }],
    ['archive', { kind: 'archive' }],
    ['unarchive', { kind: 'unarchive' }],
    ['unsnooze', { kind: 'unsnooze' }],
  ];
  for (const [suffix, change] of single) {
    app.put<{ Params: IdParams }>(`${base}/:id/${suffix}`, async (request) => {
      const result = await service.setState([request.params.id], principalOf(request), change);
      return { ...result.notifications[0], unread_count: result.unreadCount };
    });
  }
  app.put<{ Params: IdParams }>(`${base}/:id/snooze`, async (request) => {
    const until = snoozeUntil(request.body, Date.now());
    const result = await service.setState([request.params.id], principalOf(request), { kind: 'snooze', until });
    return { ...result.notifications[0], unread_count: result.unreadCount };
  });
  app.put(`${base}/seen`, async (request) => {
    const ids = bodyOf(request.body).ids;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
      throw validationError([{ field: 'ids', message: 'must be an array of notification ids' }]);
    const result = await service.setState(ids as string[], principalOf(request), { kind: 'seen' });
    return { notifications: result.notifications, unread_count: result.unreadCount };
  });
}

export function registerInboxRoutes(app: FastifyInstance, service: NotificationService): void {
  const base = '/api/v1/notifications';
  registerStateRoutes(app, service, base);

  app.post(`${base}/resolve`, async (request) => {
    requireRole(principalOf(request), ROLE_ADMIN, 'resolving a condition');
    const b = bodyOf(request.body);
    const check = createChecker();
    const key = checkConditionKey(check, 'condition_key', b.condition_key, false);
    const read = check.bool('read', b.read);
    check.done();
    const result = await service.resolve(key as string, principalOf(request), read ?? false);
    return { ...result.notification, unread_count: result.unreadCount };
  });

  app.post(`${base}/counts`, async (request) => {
    const principal = principalOf(request);
    const filters = parseFilters(bodyOf(request.body).filters);
    const { counts } = await service.filterCountsAt(principal.id, filters);
    return { counts };
  });

  app.post(`${base}/bulk`, async (request) => {
    const b = bodyOf(request.body);
    const check = createChecker();
    const op = check.oneOf('op', b.op, ['read', 'archive'] as const);
    check.done();
    const before = b.before === undefined || b.before === null ? null : parseTimestamp('before', b.before);
    if (op === undefined) throw new AppError('validation_failed', 'op is required');
    const result = await service.bulk(principalOf(request), op, parseFilter(b.filter), before);
    return { count: result.count, unread_count: result.unreadCount };
  });
}

/** What running a job action needs from the job service. */
export type ActionJobs = Pick<JobService, 'create'>;

/**
 * `POST /api/v1/notifications/{id}/actions/{index}`: runs a job action for a writer (anyone else:
 * 403, and no job). The job is created as the caller (`created_by`), so the job records who ran
 * it; the answer (201) names the job, the notification, the action and the caller.
 */
export function registerActionRoute(app: FastifyInstance, service: NotificationService, jobs: ActionJobs): void {
  app.post<{ Params: { id: string; index: string } }>('/api/v1/notifications/:id/actions/:index', async (request, reply) => {
    const principal = principalOf(request);
    requireWriter(principal);
    const notification = await service.get(request.params.id, principal);
    const index = /^\d{1,2}$/.test(request.params.index) ? Number(request.params.index) : -1;
    const action = notification.actions?.[index];
    if (action === undefined) throw new AppError('not_found', `notification ${notification.id} has no action ${request.params.index}`);
    if (action.kind !== 'job') throw validationError([{ field: 'index', message: 'is a link action: the client opens it' }]);
    const { job } = await jobs.create({ type: action.job_type, parameters: action.parameters ?? {} }, principal);
    request.log.info({ user: principal.id, notification: notification.id, action: index, job: job.id }, 'notification action ran');
    return reply.status(201).send({ job, notification_id: notification.id, action: index, run_by: principal.id });
  });
}
