/**
 * Fastify's per-request logging, one line per request: at its end, with the request (method, URL
 * with credentials redacted, remote address), the status and the response time. Fastify's default
 * also writes a line when each request arrives, which doubled the log cost of every POST.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class AccessLog extends LogController {
  override incomingRequest(): void {
    // Logged once, at the end (requestCompleted).
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
