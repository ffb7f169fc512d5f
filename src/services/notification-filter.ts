/** Inbox filters from unknown: a JSON object (bodies, the WS `filters` parameter) or query-string parameters. */
import {
  CONDITION_FILTERS,
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_LEVELS,
  NOTIFICATION_STATES,
  type NotificationCategory,
  type NotificationFilter,
  type NotificationLevel,
} from '../protocol/index.js';
import { validationError } from '../shared/errors.js';
import { checkConditionKey } from './notification-input.js';
import { createChecker, isRecord, quoteValue, type Checker } from './validate.js';

/** Most filters one count request, or one connection, may ask for. */
export const MAX_FILTERS = 8;

function list<T extends string>(check: Checker, field: string, value: unknown, allowed: readonly T[]): T[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = typeof value === 'string' ? value.split(',').filter((v) => v !== '') : value;
  if (!Array.isArray(items) || items.length > allowed.length) {
    check.errors.push({ field, message: `must be a list of at most ${allowed.length} of ${allowed.join(', ')}` });
    return undefined;
  }
  const out: T[] = [];
  for (const item of items as unknown[]) {
    if (typeof item === 'string' && (allowed as readonly string[]).includes(item)) out.push(item as T);
    else check.errors.push({ field, message: `must be one of ${allowed.join(', ')}, got ${quoteValue(item)}` });
  }
  return out;
}

/** `seen`: a boolean in a body, `true`/`false` in a query string. */
function seenOf(check: Checker, field: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  check.errors.push({ field, message: `must be true or false, got ${quoteValue(value)}` });
  return undefined;
}

function collect(check: Checker, fieldPrefix: string, b: Record<string, unknown>): NotificationFilter {
  const levels = list<NotificationLevel>(check, `${fieldPrefix}level`, b.level ?? b.levels, NOTIFICATION_LEVELS);
  const categories = list<NotificationCategory>(check, `${fieldPrefix}category`, b.category ?? b.categories, NOTIFICATION_CATEGORIES);
  const state = b.state === undefined ? undefined : check.oneOf(`${fieldPrefix}state`, b.state, NOTIFICATION_STATES);
  const condition = b.condition === undefined ? undefined : check.oneOf(`${fieldPrefix}condition`, b.condition, CONDITION_FILTERS);
  const key = checkConditionKey(check, `${fieldPrefix}condition_key`, b.condition_key, true);
  const seen = seenOf(check, `${fieldPrefix}seen`, b.seen);
  return {
    ...(seen === undefined ? {} : { seen }),
    ...(levels === undefined ? {} : { levels }),
    ...(categories === undefined ? {} : { categories }),
    ...(state === undefined ? {} : { state }),
    ...(condition === undefined ? {} : { condition }),
    ...(key === undefined ? {} : { condition_key: key }),
  };
}

const KNOWN = new Set(['level', 'levels', 'category', 'categories', 'state', 'condition', 'condition_key', 'seen']);

/** A filter object (`{levels?, categories?, state?, condition?, condition_key?, seen?}`); absent: the default view. */
export function parseFilter(value: unknown, field = 'filter'): NotificationFilter {
  if (value === undefined || value === null) return {};
  const check = createChecker();
  if (!isRecord(value)) throw validationError([{ field, message: 'must be a JSON object' }]);
  for (const key of Object.keys(value)) if (!KNOWN.has(key)) check.errors.push({ field: `${field}.${key}`, message: 'is not a known field' });
  const filter = collect(check, `${field}.`, value);
  check.done();
  return filter;
}

/** A list of at most MAX_FILTERS filter objects. */
export function parseFilters(value: unknown, field = 'filters'): NotificationFilter[] {
  if (!Array.isArray(value)) throw validationError([{ field, message: 'must be an array of filter objects' }]);
  if (value.length > MAX_FILTERS) throw validationError([{ field, message: `must hold at most ${MAX_FILTERS} filters, got ${value.length}` }]);
  return value.map((item, i) => parseFilter(item, `${field}[${i}]`));
}

/** The filter of a list request's query string (`level=error,warning&category=&state=&condition=&condition_key=`). */
export function filterFromQuery(query: Readonly<Record<string, string | undefined>>): NotificationFilter {
  const check = createChecker();
  const filter = collect(check, '', {
    level: query.level,
    category: query.category,
    state: query.state,
    condition: query.condition,
    condition_key: query.condition_key,
    seen: query.seen,
  });
  check.done();
  return filter;
}
