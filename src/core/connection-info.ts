/**
 * What the admin API may know of a connection, and how a listing picks them: the transport and
 * remote address the edge hands in at attach, and what the connection counts itself (since,
 * frames and bytes sent, messages received). A listing is filtered and capped here, so its cost
 * is bounded by the cap whatever the number of connections.
 */
import type { Principal } from '../auth/principal.js';

/** What the edge knows of a connection when it attaches it. */
export interface ConnectionMeta {
  readonly transport: 'websocket' | 'sse';
  /** The client's address as the edge sees it (the socket's peer, after trusted proxies if any). */
  readonly remoteAddress: string;
}

/** One connection as an admin listing shows it. */
export interface ConnectionInfo {
  readonly id: string;
  readonly user: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly method: string;
  readonly session: string | null;
  readonly transport: ConnectionMeta['transport'] | 'unknown';
  readonly remote_address: string | null;
  readonly topics: readonly string[];
  /** ISO time the connection was attached. */
  readonly since: string;
  readonly messages_in: number;
  readonly frames_out: number;
  readonly bytes_out: number;
}

/** The part of a connection a listing reads. */
export interface Described {
  readonly id: string;
  readonly principal: Principal;
  readonly meta?: ConnectionMeta | undefined;
  readonly sinceMs: number;
  subscriptionNames(): readonly string[];
  readonly messagesIn: number;
  readonly framesOut: number;
  readonly bytesOut: number;
}

/** Which connections a listing or a disconnect is about. */
export interface ConnectionFilter {
  readonly user?: string;
  readonly session?: string;
  readonly connection?: string;
}

/** Whether `conn` matches every field `filter` has. */
export function matches(conn: { readonly id: string; readonly principal: Principal }, filter: ConnectionFilter): boolean {
  if (filter.connection !== undefined && conn.id !== filter.connection) return false;
  if (filter.user !== undefined && conn.principal.id !== filter.user) return false;
  return filter.session === undefined || conn.principal.sessionId === filter.session;
}

export function describe(conn: Described): ConnectionInfo {
  const p = conn.principal;
  return {
    id: conn.id,
    user: p.id,
    name: p.name,
    roles: [...p.roles],
    method: p.method,
    session: p.sessionId ?? null,
    transport: conn.meta?.transport ?? 'unknown',
    remote_address: conn.meta?.remoteAddress ?? null,
    topics: [...conn.subscriptionNames()],
    since: new Date(conn.sinceMs).toISOString(),
    messages_in: conn.messagesIn,
    frames_out: conn.framesOut,
    bytes_out: conn.bytesOut,
  };
}

/** The matching connections, oldest first, at most `limit`, and how many matched in all. */
export function listConnections(all: Iterable<Described>, filter: ConnectionFilter, limit: number): { items: ConnectionInfo[]; matched: number } {
  const picked: Described[] = [];
  let matched = 0;
  for (const conn of all) {
    if (!matches(conn, filter)) continue;
    matched += 1;
    if (picked.length < limit) picked.push(conn);
  }
  return { items: picked.map(describe), matched };
}

/** What closing and re-checking need of a connection: its principal is replaced in place. */
export interface Controlled {
  readonly id: string;
  principal: Principal;
  close(code: number, reason: string): void;
}

/**
 * Re-checks the connections of `userId`: `next` gives the principal a connection keeps, or
 * undefined when it may not stay (closed with `code`).
 */
export function recheckUser(
  all: readonly Controlled[],
  userId: string,
  next: (principal: Principal) => Principal | undefined,
  code: number,
  reason: string,
): { kept: number; closed: number } {
  let kept = 0;
  let closed = 0;
  for (const conn of all) {
    if (conn.principal.id !== userId) continue;
    const principal = next(conn.principal);
    if (principal === undefined) {
      conn.close(code, reason);
      closed += 1;
    } else {
      conn.principal = principal;
      kept += 1;
    }
  }
  return { kept, closed };
}
