/** The server's pino logger. Tokens never reach a log line: query tokens and credential fields are redacted. */
import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

const SECRET_PARAMS = /([?&](?:token|access_token|id_token|code|state|api_token)=)[^&#\s]*/gi;

/** Replaces the values of credential-bearing query parameters with `[REDACTED]`. */
export function redactUrl(url: string): string {
  // Most logged URLs (REST writes, agent reports) have neither `?` nor `&`: no regex run for them.
  return url.includes('?') || url.includes('&') ? url.replace(SECRET_PARAMS, '$1[REDACTED]') : url;
}

/** Fields whose value is a credential wherever they appear (headers by their lower-case names). */
const SECRET_FIELDS = new Set(['token', 'cookie', 'authorization', 'apiToken', 'sessionSecret', 'clientSecret', 'set-cookie', 'sec-websocket-protocol']);
const CENSOR = '[REDACTED]';
/** Levels of plain objects looked into: `token`, `x.token`, `req.headers.authorization`. */
const MAX_DEPTH = 3;

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `fields` with every credential field censored, three levels of plain objects deep (a child
 * logger's bindings at their top level, by the serializers below; class
 * instances such as a request go through their serializers, which keep no credential). The same
 * object when there is none, the usual case: a log line costs no copy. pino's own `redact` option
 * did the same for a list of paths, but parsed every path again on every line (about 12 KB of
 * garbage a line in @pinojs/redact 0.4), which made it most of the cost of a connect's log lines.
 */
export function redactSecrets(fields: Record<string, unknown>, depth = 1): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    let next = value;
    if (SECRET_FIELDS.has(key)) next = value === undefined ? value : CENSOR;
    else if (depth < MAX_DEPTH && isPlain(value)) next = redactSecrets(value, depth + 1);
    if (next !== value) (out ??= { ...fields })[key] = next;
  }
  return out ?? fields;
}

/** One line on stderr, written directly: when stderr is gone too (both piped to one dead reader), nobody is told and nothing throws. */
function tellStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr is closed as well: there is no one left to tell.
  }
}

/**
 * Standard output through pino's own destination, synchronous as before: a line is one write(2),
 * without a Writable stream's bookkeeping per line (`process.stdout` on a file or pipe is one).
 * When stdout's reader goes away (EPIPE: a log shipper that died, `| head`), pino stops writing
 * and the server goes on; `process.stdout` crashed it on an unhandled 'error'. A failing
 * destination is reported once per error code on stderr.
 */
function stdoutDestination(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: true });
  const reported = new Set<string>();
  destination.on('error', (err: NodeJS.ErrnoException) => {
    const code = err.code ?? 'error';
    if (reported.has(code)) return;
    reported.add(code);
    const what = code === 'EPIPE' ? 'standard output was closed (EPIPE): log lines are dropped from now on' : `writing a log line failed (${code})`;
    tellStderr(`aether-v: ${what}\n`);
  });
  return destination;
}

export function createLogger(options: { debug: boolean; destination?: NodeJS.WritableStream }): PinoLogger {
  return pino(
    {
      level: options.debug ? 'debug' : 'info',
      formatters: { log: redactSecrets },
      serializers: {
        // Serializers also apply to a child logger's bindings, which `formatters.log` never sees.
        ...Object.fromEntries([...SECRET_FIELDS].map((name) => [name, () => CENSOR])),
        req: (req: { method?: string; url?: string; ip?: string; remoteAddress?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url ?? ''),
          remoteAddress: req.ip ?? req.remoteAddress,
        }),
      },
    },
    options.destination ?? stdoutDestination(),
  );
}
