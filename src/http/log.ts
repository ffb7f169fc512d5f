/** The server's pino logger. Tokens never reach a log line: query tokens and credential headers are redacted. */
import { pino, type Logger as PinoLogger } from 'pino';

const SECRET_PARAMS = /([?&](?:token|access_token|id_token|code|state|api_token)=)[^&#\s]*/gi;

/** Replaces the values of credential-bearing query parameters with `[REDACTED]`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[REDACTED]');
}

export function createLogger(options: { debug: boolean; destination?: NodeJS.WritableStream }): PinoLogger {
  return pino(
    {
      level: options.debug ? 'debug' : 'info',
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["sec-websocket-protocol"]',
          'res.headers["set-cookie"]',
          'headers.authorization',
          'headers.cookie',
          'headers["set-cookie"]',
          'headers["sec-websocket-protocol"]',
          'token',
          '*.token',
          'cookie',
          '*.cookie',
          'authorization',
          '*.authorization',
          'apiToken',
          '*.apiToken',
          'sessionSecret',
          '*.sessionSecret',
          'clientSecret',
          '*.clientSecret',
        ],
        censor: '[REDACTED]',
      },
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string; remoteAddress?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url ?? ''),
          remoteAddress: req.ip ?? req.remoteAddress,
        }),
      },
    },
    options.destination ?? process.stdout,
  );
}
