/**
 * GET /sse: the hub over Server-Sent Events, for networks that strip WebSocket upgrades. The same
 * gates as /ws, in the same order (ws.ts): connection rate, per-IP slot, Host and Origin, the same
 * credential check (`authenticator.upgrade`: `?token=`, bearer, session cookie) within
 * WS_AUTH_CHECK_TIMEOUT_MS, the per-user slot, the hub's connection cap. The response is a
 * HubSocket (sse-stream.ts); its event ids carry the stream's positions (sse-cursor.ts), so the
 * browser's own reconnect with `Last-Event-ID` resumes. Refusals after the gates that answer 429
 * or 503 are `close` events on a 200 stream (as /ws completes the handshake before 1008), so the
 * client learns the code and the reason. The gates are sse-admission.ts; client requests go
 * through sse-requests.ts.
 */
import type { ConnectRate } from './connect-rate.js';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import type { AuthLimits } from '../auth/limits.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { AttachOptions, Hub } from '../core/index.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { filtersParam, problems, resumeParam, topicsParam } from './connect-query.js';
import { parseEventId, StreamCursor, type StreamStart } from './sse-cursor.js';
import { createSseAdmission } from './sse-admission.js';
import { registerSseRequests } from './sse-requests.js';
import { SseStream } from './sse-stream.js';

export interface SseEndpointOptions {
  readonly app: FastifyInstance;
  readonly hub: Hub;
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  readonly limits: AuthLimits;
  readonly logger: Logger;
  /** A comment line goes to every stream this often, so proxies do not time it out (SSE_HEARTBEAT_MS). */
  readonly heartbeatMs: number;
  /** Deadline for the credential check and the per-user slot (WS_AUTH_CHECK_TIMEOUT_MS); a miss closes with 4002. */
  readonly authCheckTimeoutMs: number;
  /** Longest client request body (WS_MAX_MESSAGE_BYTES). */
  readonly maxMessageBytes: number;
  /** New connections per second in this process (WS_MAX_CONNECT_RATE), shared with /ws; beyond it 503. */
  readonly connectRate: ConnectRate;
  readonly onRefused?: (reason: string) => void;
}

export interface SseEndpoint {
  /** Streams open now (in this process). */
  readonly size: number;
  /** Stops the heartbeat and opens no more streams (503 with Retry-After). Open streams are closed by the hub's drain. */
  close(): void;
}

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx buffers proxied responses unless told not to (docs/OPERATIONS.md).
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

/**
 * What the stream starts with: `?topics=`, then `?resume=` or `Last-Event-ID` (which wins, and may
 * carry the topics), and `?filters=` whichever way it resumes (a browser's own reconnect keeps the URL).
 */
export function streamStart(url: URL, lastEventId: unknown): { urlTopics: readonly string[]; attach: AttachOptions; problem?: string } {
  const urlTopics = topicsParam(url) ?? ['notifications'];
  const named = filtersParam(url);
  const filters = named.filters === undefined ? {} : { filters: named.filters };
  const idText = lastEventId ?? url.searchParams.get('last_event_id') ?? undefined;
  if (idText === undefined || idText === '') {
    const resume = resumeParam(url);
    const problem = problems(resume.problem, named.problem);
    const positions = resume.positions === undefined ? {} : { positions: resume.positions };
    return { urlTopics, attach: { topics: urlTopics, ...positions, ...filters }, ...(problem === undefined ? {} : { problem }) };
  }
  const parsed = parseEventId(idText);
  if (!parsed.ok) {
    const problem = problems(`invalid Last-Event-ID: ${parsed.message}; starting from snapshots`, named.problem) as string;
    return { urlTopics, attach: { topics: urlTopics, ...filters }, problem };
  }
  const start: StreamStart = parsed.start;
  const problem = problems(named.problem);
  return {
    urlTopics,
    attach: { topics: start.topics ?? urlTopics, ...(start.positions === undefined ? {} : { positions: start.positions }), ...filters },
    ...(problem === undefined ? {} : { problem }),
  };
}

export function createSseEndpoint(options: SseEndpointOptions): SseEndpoint {
  const { app, limits, logger } = options;
  const streams = new Map<string, SseStream>();
  const host = {
    log: logger,
    gone(stream: SseStream): void {
      void limits.perIp.release(stream.ip);
      if (stream.attached !== undefined) streams.delete(stream.attached.id);
      if (stream.principal !== undefined) void limits.perUser.release(stream.principal.id);
    },
  };

  const { gate, authenticate, admit } = createSseAdmission(options, streams);

  /** Set by `close`: the server is stopping, and a stream opened now would outlive the hub's drain. */
  let stopping = false;

  async function open(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (stopping) throw new AppError('unavailable', 'server shutting down; reconnect', [], { headers: { 'retry-after': '1' } });
    const ip = await gate(request);
    const url = new URL(request.url, 'http://localhost');
    const start = streamStart(url, request.headers['last-event-id']);
    const res: ServerResponse = reply.raw;
    reply.hijack();
    res.writeHead(200, STREAM_HEADERS);
    res.write('retry: 2000\n\n');
    const stream = new SseStream(res, ip, new StreamCursor(start.attach.topics ?? [], start.urlTopics, start.attach.positions), host);
    const principal = await authenticate(request.raw, url, stream);
    if (principal === undefined || stream.ended) return;
    await admit(stream, principal, start.attach, start.problem);
  }

  // No HEAD: a body-less stream would hold a connection and show nothing.
  app.get('/sse', { exposeHeadRoute: false }, (request, reply) =>
    open(request, reply).catch((err: unknown) => {
      if (err instanceof AppError && !reply.sent) throw err;
      logger.error({ err }, 'SSE stream failed');
      if (!reply.raw.destroyed) reply.raw.destroy();
    }),
  );
  registerSseRequests(app, { streams, limits, logger, maxMessageBytes: options.maxMessageBytes });

  const timer = setInterval(() => {
    for (const stream of streams.values()) stream.beat();
  }, options.heartbeatMs);
  timer.unref();

  return {
    get size() {
      return streams.size;
    },
    close() {
      stopping = true;
      clearInterval(timer);
    },
  };
}
