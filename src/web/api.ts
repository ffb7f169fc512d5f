/** The REST calls the page makes. Errors carry the server's `detail` when it sent one. */
import type { Notification, NotificationLevel } from '../protocol/index.js';
import type { Page } from './inbox.js';

const BASE = '/api/v1/notifications';

export interface NewNotification {
  readonly title: string;
  readonly message: string;
  readonly level: NotificationLevel;
  readonly category: 'system';
}

export interface Api {
  list(options: { limit: number; cursor?: string }): Promise<Page>;
  markRead(id: string): Promise<Notification>;
  markAllRead(before: string | null): Promise<{ count: number; unread_count: number }>;
  remove(id: string): Promise<void>;
  create(input: NewNotification): Promise<Notification>;
  /** A short-lived /ws token, or undefined when the server does not issue them (dev mode). */
  wsToken(): Promise<string | undefined>;
  /** The signed-in user's name, or undefined. */
  me(): Promise<string | undefined>;
  /** Who is signed in and how (`session`, `dev`, …), or undefined when nobody is. */
  /** Who is signed in; `'signed-out'` when the server requires a sign-in (401); undefined when unknown. */
  account(): Promise<{ id: string; name: string; method: string } | 'signed-out' | undefined>;
  /** Ends the browser session (its sockets are closed by the server with 4003). */
  signOut(): Promise<void>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The answer's per-field problems (`errors`), for inline messages. */
    readonly fields: readonly { readonly field: string; readonly message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  const res = await fetch(path, init);
  if (res.status === 204) return undefined as T;
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const detail = typeof json === 'object' && json !== null && 'detail' in json ? String(json.detail) : res.statusText;
    const errors = typeof json === 'object' && json !== null && 'errors' in json && Array.isArray(json.errors) ? (json.errors as unknown[]) : [];
    const fields = errors.filter(
      (e): e is { field: string; message: string } =>
        typeof e === 'object' && e !== null && typeof (e as { field?: unknown }).field === 'string' && typeof (e as { message?: unknown }).message === 'string',
    );
    throw new ApiError(res.status, `${method} ${path}: ${res.status} ${detail}`, fields);
  }
  return json as T;
}

function nameOf(user: unknown): string | undefined {
  if (typeof user === 'string') return user;
  if (typeof user === 'object' && user !== null) {
    for (const key of ['name', 'username', 'preferred_username', 'id'] as const) {
      const value = (user as Record<string, unknown>)[key];
      if (typeof value === 'string') return value;
    }
  }
  return undefined;
}

export function createApi(): Api {
  return {
    list({ limit, cursor }) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined) query.set('cursor', cursor);
      return call<Page>('GET', `${BASE}?${query.toString()}`);
    },
    markRead: (id) => call<Notification>('PUT', `${BASE}/${encodeURIComponent(id)}/read`),
    markAllRead: (before) => call('PUT', `${BASE}/mark-all-read`, before === null ? {} : { before }),
    remove: (id) => call<void>('DELETE', `${BASE}/${encodeURIComponent(id)}`),
    create: (input) => call<Notification>('POST', BASE, input),
    async wsToken() {
      const res = await fetch('/auth/ws-token', { credentials: 'same-origin', headers: { accept: 'application/json' } });
      // 204/404: the server issues no tokens (dev mode). 401/403: let /ws answer 1008 and the client report it.
      if (res.status === 204 || res.status === 404 || res.status === 401 || res.status === 403) return undefined;
      if (!res.ok) throw new ApiError(res.status, `GET /auth/ws-token: ${res.status}`);
      const json = (await res.json()) as { token?: unknown };
      return typeof json.token === 'string' ? json.token : undefined;
    },
    async me() {
      const account = await this.account();
      return typeof account === 'object' ? account.name : undefined;
    },
    async account() {
      const res = await fetch('/auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (res.status === 401) return 'signed-out';
      if (res.status !== 200) return undefined;
      const json = (await res.json().catch(() => undefined)) as { user?: unknown; name?: unknown; method?: unknown } | undefined;
      const name = nameOf(json?.name ?? json?.user);
      const id = typeof json?.user === 'string' ? json.user : name;
      return name === undefined || id === undefined ? undefined : { id, name, method: typeof json?.method === 'string' ? json.method : 'unknown' };
    },
    signOut: () => call<void>('POST', '/auth/logout'),
  };
}
