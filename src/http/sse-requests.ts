/**
 * POST /sse/{client_id}/subscriptions: what a WebSocket client sends as frames, for a stream that
 * has no way back. The body is one client message (`subscribe`, `unsubscribe`, `resume`, `ping`),
 * checked as a frame would be (protocol/parse.ts), and counted against the same message rate; the
 * answer (`subscription`, `resumed` and what follows, `pong`, or an `error`) arrives on the stream.
 * The route sits behind the REST auth hook (session cookie with Origin/CSRF checks, OIDC or API
 * bearer token) and only the stream's own user may use it: for anyone else the stream does not
 * exist (404, the same answer as for an unknown id, so ids cannot be probed). Streams live on one
 * instance: with several behind a load balancer, a request that lands elsewhere gets 404 and the
 * client reconnects with its new topics instead (docs/PROTOCOL.md).
 */
import type { FastifyInstance } from 'fastify';
import type { AuthLimits } from '../auth/limits.js';
import { CloseCode, ErrorCode, validateClientMessage } from '../protocol/index.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { principalOf } from './auth-hook.js';
import type { SseStream } from './sse-stream.js';

export interface SseRequestsOptions {
  readonly streams: ReadonlyMap<string, SseStream>;
  readonly limits: AuthLimits;
  readonly logger: Logger;
  readonly maxMessageBytes: number;
}

const CLIENT_ID = /^[0-9a-f-]{36}$/;

export function registerSseRequests(app: FastifyInstance, options: SseRequestsOptions): void {
  const { streams, limits, logger } = options;

  app.post<{ Params: { clientId: string } }>('/sse/:clientId/subscriptions', { bodyLimit: options.maxMessageBytes }, async (request, reply) => {
    const principal = principalOf(request);
    const { clientId } = request.params;
    const stream = CLIENT_ID.test(clientId) ? streams.get(clientId) : undefined;
    const attached = stream?.attached;
    if (stream === undefined || attached === undefined || stream.ended || stream.principal?.id !== principal.id) {
      throw new AppError('not_found', `no open stream ${clientId.slice(0, 40)} of yours on this server; reconnect to /sse with the topics you want`);
    }
    const parsed = validateClientMessage(request.body);
    if (!parsed.ok) throw new AppError('validation_failed', parsed.message);
    const type = parsed.message.type;
    if (type === 'auth' || type === 'refresh') {
      throw new AppError('validation_failed', `"${type}" is not available over SSE: reconnect to /sse with the new credential`);
    }
    const allowed = await limits.messages.take(attached.id);
    if (!allowed.ok || stream.limited) {
      if (!stream.limited) {
        stream.limited = true;
        logger.warn({ clientId: attached.id, user: principal.name }, `SSE client ${attached.id} (${principal.name}) exceeded the message rate`);
        stream.send(JSON.stringify({ type: 'error', code: ErrorCode.RATE_LIMITED, message: 'too many messages per second; closing' }));
        stream.close(CloseCode.RATE_LIMITED, 'rate limited: too many messages per second');
      }
      throw new AppError('rate_limited', 'too many messages per second', [], { headers: { 'retry-after': '5' } });
    }
    // One request after another, as frames on a socket: a snapshot or resume is charged before the next is looked at.
    const turn = stream.chain.then(() => attached.receive(parsed));
    stream.chain = turn.catch((err: unknown) => logger.error({ err, clientId: attached.id }, 'SSE request handling failed'));
    await turn;
    return reply.status(202).send({ status: 'accepted', client_id: attached.id, type });
  });
}
