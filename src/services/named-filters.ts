/**
 * The filters a connection counts: the page's tabs by default (INBOX_TABS), or the named filters
 * its `subscribe` asked for (`{"errors": {"levels": ["error"]}}`, the grammar of the REST list and
 * count endpoints), bounded in number and size. `filter_counts` maps each name to its unread count.
 */
import { ErrorCode, INBOX_TABS } from '../protocol/index.js';
import { isAppError } from '../shared/errors.js';
import { countFilter, UNREAD, type CountFilter } from './inbox-counts.js';
import { parseFilter } from './notification-filter.js';

/** Named filters, and the counter's list to ask for: UNREAD first (`unread_count`), then each filter. */
export interface NamedFilters {
  readonly names: readonly string[];
  readonly counted: readonly CountFilter[];
  /** Equal keys: the same filters under the same names. */
  readonly key: string;
}

export interface NamedFiltersLimits {
  /** Most names (WS_COUNT_FILTERS). */
  readonly maxFilters: number;
  /** Most bytes of the option as JSON (WS_COUNT_FILTERS_MAX_BYTES). */
  readonly maxBytes: number;
}

/** A filter's name: what the client reads its count under. */
export const FILTER_NAME = /^[A-Za-z0-9_.:-]{1,32}$/;

function named(names: readonly string[], filters: readonly CountFilter[]): NamedFilters {
  return { names, counted: [UNREAD, ...filters], key: JSON.stringify(names.map((name, i) => [name, filters[i]?.key])) };
}

/** The page's tabs: what a connection counts unless it names its own. */
export const TAB_FILTERS: NamedFilters = named(
  Object.keys(INBOX_TABS),
  Object.values(INBOX_TABS).map((f) => countFilter(f)),
);

/** The option checked, or the `error` (code and message) that refuses it. */
export function parseNamedFilters(raw: Readonly<Record<string, unknown>>, limits: NamedFiltersLimits): NamedFilters | { code: ErrorCode; message: string } {
  const names = Object.keys(raw);
  if (names.length > limits.maxFilters) {
    return { code: ErrorCode.TOO_MANY_FILTERS, message: `"subscribe" 'filters' may name at most ${limits.maxFilters} filters, got ${names.length}` };
  }
  const bytes = Buffer.byteLength(JSON.stringify(raw));
  if (bytes > limits.maxBytes)
    return { code: ErrorCode.TOO_MANY_FILTERS, message: `"subscribe" 'filters' may take at most ${limits.maxBytes} bytes as JSON, got ${bytes}` };
  const bad = names.find((name) => !FILTER_NAME.test(name));
  if (bad !== undefined)
    return {
      code: ErrorCode.INVALID_MESSAGE,
      message: `"subscribe" 'filters' names must match ${FILTER_NAME.source}, got ${JSON.stringify(bad.slice(0, 64))}`,
    };
  try {
    return named(
      names,
      names.map((name) => countFilter(parseFilter(raw[name], `filters.${name}`))),
    );
  } catch (err) {
    if (!isAppError(err)) throw err;
    return { code: ErrorCode.INVALID_MESSAGE, message: `"subscribe" ${err.message}` };
  }
}

/** `filter_counts`: each name with its count (`counts` is the counter's answer for `counted`, UNREAD first). */
export function countsByName(filters: NamedFilters, counts: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < filters.names.length; i += 1) out[filters.names[i] as string] = counts[i + 1] ?? 0;
  return out;
}
