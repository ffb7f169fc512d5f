/**
 * Where the server is and how to authenticate: `--url` / `AETHER_URL` (default
 * http://127.0.0.1:8000) and `--token` / `AETHER_TOKEN`, sent as `Authorization: Bearer` on REST
 * and on the /ws upgrade (never in a URL, so it stays out of logs and process lists of proxies).
 */
import { usageError } from './exit.js';

export const DEFAULT_URL = 'http://127.0.0.1:8000';

export interface Connection {
  /** The server's base URL without a trailing slash, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  /** `ws://…/ws` or `wss://…/ws`. */
  readonly wsUrl: string;
  /** API token, OIDC access token or ws-token; undefined when none is configured. */
  readonly token: string | undefined;
}

/** The connection from flags, then the environment, then the default; a bad URL is a usage error. */
export function resolveConnection(
  command: string,
  flags: { readonly url?: string | undefined; readonly token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const raw = (flags.url ?? env.AETHER_URL ?? '').trim() || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--url / AETHER_URL: expected an http(s) URL, got ${JSON.stringify(raw)}`, command);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`--url / AETHER_URL: expected an http:// or https:// URL, got ${JSON.stringify(raw)}`, command);
  }
  const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const wsUrl = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${url.pathname.replace(/\/+$/, '')}/ws`;
  const token = (flags.token ?? env.AETHER_TOKEN ?? '').trim() || undefined;
  return { baseUrl, wsUrl, token };
}

/** Headers that carry the credential, if any. */
export function authHeaders(connection: Connection): Record<string, string> {
  return connection.token === undefined ? {} : { authorization: `Bearer ${connection.token}` };
}
