/**
 * REST calls with the error mapping every command shares: no answer → exit 4, 401/403 → exit 3,
 * any other error status → exit 1 with the server's `detail`. Errors are one line.
 */
import { authHeaders, type Connection } from './connection.js';
import { CliError, ExitCode } from './exit.js';

/** A REST call that has not answered within this is a connection failure (exit 4). */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON body, or undefined when the body is empty. */
  readonly body: unknown;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses handed back to the caller instead of thrown (e.g. 404 for an optional endpoint). */
  readonly accept?: readonly number[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The server's `detail` (REST error shape), or a fallback built from the status. */
export function detailOf(response: ApiResponse): string {
  const body = response.body;
  if (isRecord(body) && typeof body.detail === 'string') return body.detail;
  return `HTTP ${response.status}`;
}

/** Why a connection failed, in one line: `ECONNREFUSED`, `ENOTFOUND`, a timeout… */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause !== undefined && typeof cause.code === 'string') return cause.code;
  if (cause !== undefined && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function authError(connection: Connection, response: ApiResponse): CliError {
  const detail = detailOf(response);
  if (response.status === 403) return new CliError(ExitCode.AUTH, `forbidden: ${detail}`);
  if (connection.token === undefined) return new CliError(ExitCode.AUTH, `authentication required: set AETHER_TOKEN or pass --token (server said: ${detail})`);
  return new CliError(ExitCode.AUTH, `authentication failed: the server refused the token (${detail})`);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (!response.ok) return { detail: text.slice(0, 200).replace(/\s+/g, ' ') };
    throw new CliError(ExitCode.API, `${response.url}: expected JSON, got ${JSON.stringify(text.slice(0, 60))}`);
  }
}

/** Calls `method path` on the server. Throws a CliError for every failure except statuses in `accept`. */
export async function request(connection: Connection, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(connection), ...options.headers };
  const init: RequestInit = { method, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const url = connection.baseUrl + path;
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new CliError(ExitCode.CONNECT, `cannot connect to ${connection.baseUrl}: ${networkReason(error)}`);
  }
  let body: unknown;
  try {
    body = await readBody(response);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(ExitCode.CONNECT, `connection to ${connection.baseUrl} lost: ${networkReason(error)}`);
  }
  const result: ApiResponse = { status: response.status, headers: response.headers, body };
  if (response.ok || options.accept?.includes(response.status) === true) return result;
  if (response.status === 401 || response.status === 403) throw authError(connection, result);
  const code = isRecord(body) && typeof body.code === 'string' ? ` (${body.code})` : '';
  throw new CliError(ExitCode.API, `${method} ${path.split('?')[0] ?? path} failed with ${response.status}: ${detailOf(result)}${code}`);
}

/** A 404 from an endpoint this CLI knows but the server may not have yet. */
export function notAvailable(connection: Connection, path: string): CliError {
  return new CliError(ExitCode.API, `this server has no ${path} (404): the endpoint is not available on ${connection.baseUrl}; it may run an older version`);
}
