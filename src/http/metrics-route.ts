/**
 * `GET /metrics`: open only in development mode without METRICS_TOKEN; otherwise it needs
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time) and answers 401 without it,
 * also when authentication is on and no METRICS_TOKEN is set. Scrapes that arrive while one is
 * being collected share its answer, so many scrapers cost one collection.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import type { MetricsSource } from './metrics-cluster.js';

/** Who may read `/metrics` (config.ts reads it from METRICS_TOKEN and the auth mode). */
export interface MetricsAccess {
  /** The bearer token that opens it; undefined = none does. */
  readonly token: string | undefined;
  /** Open to anyone (development mode without METRICS_TOKEN). */
  readonly open: boolean;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Whether the request's `Authorization` header carries `Bearer <token>`. */
function bearerMatches(request: FastifyRequest, expected: Buffer): boolean {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !/^Bearer /i.test(header)) return false;
  return timingSafeEqual(digest(header.slice('Bearer '.length).trim()), expected);
}

/** The `/metrics` handler for `source` under `access`. */
export function metricsRoute(source: MetricsSource, access: MetricsAccess): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const expected = access.token === undefined ? undefined : digest(access.token);
  let inFlight: Promise<string> | undefined;
  const collect = (): Promise<string> => {
    inFlight ??= source.metrics().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  return async (request, reply) => {
    if (!access.open && (expected === undefined || !bearerMatches(request, expected))) {
      const hint = expected === undefined ? 'set METRICS_TOKEN on the server and send it' : 'send METRICS_TOKEN';
      throw new AppError('unauthorized', `metrics need a token: ${hint} as Authorization: Bearer <token>`, [], {
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      });
    }
    return reply
      .type(source.contentType)
      .header('cache-control', 'no-store')
      .send(await collect());
  };
}
