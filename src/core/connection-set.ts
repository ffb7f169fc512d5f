/** The hub's open connections by id, and what is asked of all of them at once. */
import type { Connection } from './connection.js';

export interface ConnectionSet {
  add(conn: Connection): void;
  /** True when `conn` was open (and is now let go of). */
  remove(conn: Connection): boolean;
  get(id: string): Connection | undefined;
  /** The open connections, in the order they attached. */
  values(): IterableIterator<Connection>;
  readonly size: number;
  /** Closes every connection that matches. Returns how many. */
  closeWhere(match: (conn: Connection) => boolean, code: number, reason: string): number;
  /** The session ids of the open connections that have one (a browser session's sockets). */
  openSessions(): ReadonlySet<string>;
  /** Closes every connection with `code`, `batchSize` at a time, yielding between batches. */
  drain(code: number, reason: string, batchSize: number): Promise<void>;
}

export function createConnectionSet(): ConnectionSet {
  const byId = new Map<string, Connection>();
  return {
    add: (conn) => void byId.set(conn.id, conn),
    remove: (conn) => byId.delete(conn.id),
    get: (id) => byId.get(id),
    values: () => byId.values(),
    get size() {
      return byId.size;
    },
    closeWhere(match, code, reason) {
      let count = 0;
      for (const conn of [...byId.values()]) {
        if (!match(conn)) continue;
        conn.close(code, reason);
        count += 1;
      }
      return count;
    },
    openSessions() {
      const ids = new Set<string>();
      for (const conn of byId.values()) if (conn.principal.sessionId !== undefined) ids.add(conn.principal.sessionId);
      return ids;
    },
    async drain(code, reason, batchSize) {
      const all = [...byId.values()];
      for (let i = 0; i < all.length; i += batchSize) {
        for (const conn of all.slice(i, i + batchSize)) conn.close(code, reason);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
