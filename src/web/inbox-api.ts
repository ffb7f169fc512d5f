/** The REST calls of the inbox's tabs and per-item controls (view state, counts, actions). */
import { INBOX_TABS, type Job, type Notification } from '../protocol/index.js';
import { call } from './api.js';
import { PAGE_FILTERS, type Page, type TabName } from './inbox.js';

const BASE = '/api/v1/notifications';

export interface InboxApi {
  /** A page of one tab, newest first. */
  list(tab: TabName, options: { limit: number; cursor?: string }): Promise<Page>;
  /** Marks these notifications seen, in one request (at most 100 ids). */
  seen(ids: readonly string[]): Promise<readonly Notification[]>;
  archive(id: string, archived: boolean): Promise<Notification>;
  snooze(id: string, until: string): Promise<Notification>;
  /** The unread count of every tab and of the unseen (`POST /counts` of PAGE_FILTERS), for when no socket pushes them. */
  tabCounts(): Promise<Record<string, number>>;
  /** Runs job action `index` of a notification (writer role). */
  runAction(id: string, index: number): Promise<Job>;
  /** The signed-in user's roles, or undefined when the server does not say (dev mode). */
  roles(): Promise<readonly string[] | undefined>;
}

/** The list's query for a tab's filter (see "Inbox filters" in docs/PROTOCOL.md). */
export function tabQuery(tab: TabName): URLSearchParams {
  const filter = INBOX_TABS[tab];
  const query = new URLSearchParams();
  if (filter.state !== undefined) query.set('state', filter.state);
  if (filter.levels !== undefined) query.set('level', filter.levels.join(','));
  if (filter.categories !== undefined) query.set('category', filter.categories.join(','));
  if (filter.condition !== undefined) query.set('condition', filter.condition);
  return query;
}

export function createInboxApi(): InboxApi {
  const one = (id: string, what: string): string => `${BASE}/${encodeURIComponent(id)}/${what}`;
  return {
    list(tab, { limit, cursor }) {
      const query = tabQuery(tab);
      query.set('limit', String(limit));
      if (cursor !== undefined) query.set('cursor', cursor);
      return call<Page>('GET', `${BASE}?${query.toString()}`);
    },
    seen: async (ids) => (await call<{ notifications: Notification[] }>('PUT', `${BASE}/seen`, { ids: ids.slice(0, 100) })).notifications,
    archive: (id, archived) => call<Notification>('PUT', one(id, archived ? 'archive' : 'unarchive')),
    snooze: (id, until) => call<Notification>('PUT', one(id, 'snooze'), { until }),
    async tabCounts() {
      const names = Object.keys(PAGE_FILTERS) as Array<keyof typeof PAGE_FILTERS>;
      const { counts } = await call<{ counts: number[] }>('POST', `${BASE}/counts`, { filters: names.map((n) => PAGE_FILTERS[n]) });
      return Object.fromEntries(names.map((name, i) => [name, counts[i] ?? 0]));
    },
    runAction: async (id, index) => (await call<{ job: Job }>('POST', one(id, `actions/${index}`))).job,
    async roles() {
      const me = await call<{ roles?: unknown }>('GET', '/auth/me').catch(() => undefined);
      return Array.isArray(me?.roles) ? me.roles.filter((r): r is string => typeof r === 'string') : undefined;
    },
  };
}
