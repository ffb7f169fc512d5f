/** Turns any thrown error into the REST error shape `{"detail", "code", "errors"?}`. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, isAppError } from '../shared/errors.js';

const FASTIFY_CODES: Readonly<Record<string, AppError['code']>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_VALIDATION: 'validation_failed',
};

/** Longest `detail` (and field message) a response carries: whatever a message quotes, the answer stays short. */
const MAX_DETAIL_CHARS = 500;

function short(text: string): string {
  return text.length <= MAX_DETAIL_CHARS ? text : `${text.slice(0, MAX_DETAIL_CHARS)}…`;
}

function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const fe = error as Partial<FastifyError>;
  const code = fe.code === undefined ? undefined : FASTIFY_CODES[fe.code];
  if (code !== undefined) return new AppError(code, fe.message ?? code);
  if (error instanceof SyntaxError && (fe.statusCode ?? 0) === 400) return new AppError('invalid_json', 'request body is not valid JSON');
  return new AppError('internal', 'internal server error', [], { cause: error });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal') request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: appError.code }, appError.message);
    for (const [name, value] of Object.entries(appError.headers)) void reply.header(name, value);
    const body: Record<string, unknown> = { detail: short(appError.message), code: appError.code };
    if (appError.fields.length > 0) body.errors = appError.fields.slice(0, 50).map((f) => ({ field: short(f.field), message: short(f.message) }));
    return reply.status(appError.status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ detail: `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`, code: 'not_found' }),
  );
}
