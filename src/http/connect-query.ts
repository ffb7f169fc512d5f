/**
 * The parameters of a connect URL, read the same way on /ws and /sse: `?topics=a,b`, `?resume=<positions>`
 * (replay from there instead of a snapshot) and `?filters=<named filters>` (counted from the first
 * `initial_state` on, as a `subscribe`'s `filters` would, without a second snapshot). Each is
 * bounded in characters and depth before it is parsed; a bad one is a `problem` (an `error` with
 * `ref: "connect"`) and the connect goes on without it.
 */
import { MAX_MESSAGE_DEPTH, nestsDeeperThan, validateClientMessage, type Positions } from '../protocol/index.js';

/** The most characters either parameter may hold once decoded (filters are bounded again by the hub). */
export const MAX_CONNECT_PARAM_CHARS = 4096;

function parseJson(raw: string): unknown {
  if (raw.length > MAX_CONNECT_PARAM_CHARS || nestsDeeperThan(raw, MAX_MESSAGE_DEPTH)) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** `?topics=a,b`: the topic names, trimmed, empty ones dropped; undefined when absent. */
export function topicsParam(url: URL): string[] | undefined {
  const raw = url.searchParams.get('topics');
  if (raw === null) return undefined;
  return raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** `?resume=`: the positions, or the problem with them; nothing when absent. */
export function resumeParam(url: URL): { positions?: Positions; problem?: string } {
  const raw = url.searchParams.get('resume');
  if (raw === null) return {};
  const parsed = validateClientMessage({ type: 'resume', positions: parseJson(raw) });
  if (parsed.ok && parsed.message.type === 'resume') return { positions: parsed.message.positions };
  return { problem: parsed.ok ? 'invalid resume parameter' : `invalid resume parameter: ${parsed.message}` };
}

/** `?filters=`: an object of named filters (their grammar is the hub's to check), or the problem with it. */
export function filtersParam(url: URL): { filters?: Readonly<Record<string, unknown>>; problem?: string } {
  const raw = url.searchParams.get('filters');
  if (raw === null) return {};
  const value = parseJson(raw);
  const parsed = validateClientMessage({ type: 'subscribe', topics: ['notifications'], filters: value === undefined ? null : value });
  if (parsed.ok && parsed.message.type === 'subscribe' && parsed.message.filters !== undefined) return { filters: parsed.message.filters };
  const why = raw.length > MAX_CONNECT_PARAM_CHARS ? `longer than ${MAX_CONNECT_PARAM_CHARS} characters` : parsed.ok ? 'not an object' : parsed.message;
  return { problem: `invalid filters parameter: ${why}` };
}

/** Problems joined into one `error` message, or undefined when there are none. */
export function problems(...found: (string | undefined)[]): string | undefined {
  const all = found.filter((p): p is string => p !== undefined);
  return all.length === 0 ? undefined : all.join('; ');
}
