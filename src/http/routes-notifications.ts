/** REST routes for notifications under /api/v1/notifications. */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';
import type { NotificationService } from '../services/notifications.js';
import { parseBoolParam, parseIntParam, parseTimestamp, isRecord } from '../services/validate.js';
import { ROLE_ADMIN } from '../auth/roles.js';
import { principalOf, requireRole } from './auth-hook.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { registerActionRoute, registerInboxRoutes, type ActionJobs } from './routes-inbox.js';
import { filterFromQuery } from '../services/notification-filter.js';

type IdParams = { id: string };
type Query = Record<string, string | undefined>;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function registerNotificationRoutes(app: FastifyInstance, service: NotificationService, jobs?: ActionJobs): void {
  const base = '/api/v1/notifications';

  app.get<{ Querystring: Query }>(base, async (request) => {
    const q = request.query;
    const page = await service.list(principalOf(request), {
      limit: parseIntParam('limit', q.limit, 50, 1, 500),
      unreadOnly: parseBoolParam('unread_only', q.unread_only, false),
      cursor: decodeCursor(q.cursor),
      // The default view (state=inbox): archived and snoozed notifications only when asked for.
      filter: filterFromQuery(q),
    });
    return {
      notifications: page.notifications,
      total_count: page.totalCount,
      unread_count: page.unreadCount,
      next_cursor: page.next === null ? null : encodeCursor(page.next),
    };
  });

  registerInboxRoutes(app, service);
  if (jobs !== undefined) registerActionRoute(app, service, jobs);

  app.get<{ Params: IdParams }>(`${base}/:id`, async (request) => service.get(request.params.id, principalOf(request)));

  app.post(base, async (request, reply) => {
    requireRole(principalOf(request), ROLE_ADMIN, 'creating notifications');
    const header = request.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new AppError('validation_failed', 'Idempotency-Key must be 1–200 visible ASCII characters', [{ field: 'Idempotency-Key', message: 'is invalid' }]);
    }
    const { notification, replayed, raised } = await service.createNotification(request.body, { idempotencyKey: key, principal: principalOf(request) });
    if (replayed) void reply.header('idempotent-replayed', 'true');
    // 200, not 201, when an active condition was raised again: nothing new was created.
    return reply.status(raised ? 200 : 201).send(notification);
  });

  app.put<{ Body: unknown }>(`${base}/mark-all-read`, async (request) => {
    const body = request.body;
    if (body !== undefined && body !== null && !isRecord(body))
      throw new AppError('validation_failed', 'body must be a JSON object', [{ field: 'body', message: 'must be a JSON object' }]);
    const before = isRecord(body) && body.before !== undefined && body.before !== null ? parseTimestamp('before', body.before) : null;
    const result = await service.markAllRead(principalOf(request), before);
    return { count: result.count, unread_count: result.unreadCount };
  });

  for (const [suffix, read] of [
    ['read', true],
    ['unread', false],
  ] as const) {
    app.put<{ Params: IdParams }>(`${base}/:id/${suffix}`, async (request) => {
      const result = await service.setRead(request.params.id, principalOf(request), read);
      return { ...result.notification, unread_count: result.unreadCount };
    });
  }

  app.delete<{ Params: IdParams }>(`${base}/:id`, async (request, reply) => {
    // A user may delete what is addressed to them alone; notifications for everyone need admin.
    const principal = principalOf(request);
    if (!principal.roles.includes(ROLE_ADMIN)) {
      const seen = await service.get(request.params.id, principal);
      if (seen.recipient !== principal.id) requireRole(principal, ROLE_ADMIN, 'deleting a notification for everyone');
    }
    await service.delete(request.params.id, principalOf(request));
    return reply.status(204).send();
  });
}
