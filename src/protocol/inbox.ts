/**
 * The inbox's filters: which notifications a list, a count or a bulk action covers. Shared by the
 * server (SQL and in-memory counts) and the page (its tabs), so both agree on what matches.
 * docs/PROTOCOL.md ("Inbox filters") is the prose reference.
 */
import type { Notification, NotificationCategory, NotificationLevel } from './messages.js';

/** `inbox`: neither archived nor snoozed (the default view); `archived`; `snoozed`; `all`. */
export const NOTIFICATION_STATES = ['inbox', 'archived', 'snoozed', 'all'] as const;
export type NotificationStateFilter = (typeof NOTIFICATION_STATES)[number];

/**
 * `any` (default); `none` (no condition); `active` (a condition not resolved); `resolved`;
 * `unresolved` (no condition, or one not resolved: what still needs attention).
 */
export const CONDITION_FILTERS = ['any', 'none', 'active', 'resolved', 'unresolved'] as const;
export type ConditionFilter = (typeof CONDITION_FILTERS)[number];

export interface NotificationFilter {
  /** Any of these levels; empty or absent: every level. */
  readonly levels?: readonly NotificationLevel[];
  readonly categories?: readonly NotificationCategory[];
  readonly state?: NotificationStateFilter;
  readonly condition?: ConditionFilter;
  /** Only this condition. */
  readonly condition_key?: string;
  /** Only those this user has (true) or has not (false) been shown; absent: both. */
  readonly seen?: boolean;
}

/** The page's tabs, as filters (their unread counts are the tab badges). */
export const INBOX_TABS: Readonly<Record<'all' | 'problems' | 'jobs' | 'archived', NotificationFilter>> = {
  all: { state: 'inbox' },
  problems: { state: 'inbox', levels: ['error', 'warning'], condition: 'unresolved' },
  jobs: { state: 'inbox', categories: ['job'] },
  archived: { state: 'archived' },
};

function stateOf(n: Notification, nowIso: string): Exclude<NotificationStateFilter, 'all'> {
  if (n.archived === true) return 'archived';
  if (n.snoozed_until !== undefined && n.snoozed_until !== null && n.snoozed_until > nowIso) return 'snoozed';
  return 'inbox';
}

/** Whether `n`, as one user sees it at `nowIso`, matches `filter` (read state is not part of a filter). */
export function matchesFilter(filter: NotificationFilter, n: Notification, nowIso: string): boolean {
  if (filter.levels !== undefined && filter.levels.length > 0 && !filter.levels.includes(n.level)) return false;
  if (filter.categories !== undefined && filter.categories.length > 0 && !filter.categories.includes(n.category)) return false;
  const state = filter.state ?? 'inbox';
  if (state !== 'all' && stateOf(n, nowIso) !== state) return false;
  const key = n.condition_key ?? null;
  if (filter.condition_key !== undefined && key !== filter.condition_key) return false;
  if (filter.seen !== undefined && (n.seen ?? false) !== filter.seen) return false;
  switch (filter.condition ?? 'any') {
    case 'any':
      return true;
    case 'none':
      return key === null;
    case 'active':
      return key !== null && (n.resolved_at ?? null) === null;
    case 'resolved':
      return key !== null && (n.resolved_at ?? null) !== null;
    case 'unresolved':
      return (n.resolved_at ?? null) === null;
  }
}
