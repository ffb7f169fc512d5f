/** REST routes for jobs under /api/v1/jobs. Creating and cancelling need WRITER_ROLE. */
import type { FastifyInstance } from 'fastify';
import { requireWriter } from '../auth/roles.js';
import { AppError } from '../shared/errors.js';
import { JOB_STATUSES, type JobStatus } from '../protocol/index.js';
import type { JobService } from '../services/jobs.js';
import { createChecker, parseIntParam } from '../services/validate.js';
import { principalOf } from './auth-hook.js';
import { decodeCursor, encodeCursor } from './cursor.js';

type IdParams = { id: string };
type Query = Record<string, string | undefined>;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  const key = Array.isArray(header) ? header[0] : header;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1–200 visible ASCII characters', [{ field: 'Idempotency-Key', message: 'is invalid' }]);
  }
  return key;
}

function statusFilter(value: string | undefined): JobStatus | undefined {
  if (value === undefined || value === '') return undefined;
  const check = createChecker();
  const status = check.oneOf('status', value, JOB_STATUSES);
  check.done();
  return status;
}

export function registerJobRoutes(app: FastifyInstance, service: JobService): void {
  const base = '/api/v1/jobs';

  app.get<{ Querystring: Query }>(base, async (request) => {
    const q = request.query;
    const page = await service.list({ limit: parseIntParam('limit', q.limit, 50, 1, 500), status: statusFilter(q.status), cursor: decodeCursor(q.cursor) });
    return { jobs: page.jobs, next_cursor: page.next === null ? null : encodeCursor(page.next) };
  });

  app.get(`${base}/types`, async () => ({ types: service.types() }));

  app.get<{ Params: IdParams }>(`${base}/:id`, async (request) => service.get(request.params.id));

  app.get<{ Params: IdParams; Querystring: Query }>(`${base}/:id/output`, async (request) => {
    const after = parseIntParam('after', request.query.after, 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = parseIntParam('limit', request.query.limit, 1000, 1, 5000);
    return { lines: await service.output(request.params.id, after, limit) };
  });

  app.post(base, async (request, reply) => {
    const principal = principalOf(request);
    requireWriter(principal);
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    const { job, replayed } = await service.create(request.body, principal, key);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return reply.status(201).send(job);
  });

  app.post<{ Params: IdParams }>(`${base}/:id/cancel`, async (request) => {
    const principal = principalOf(request);
    requireWriter(principal);
    return service.cancel(request.params.id, principal);
  });
}
