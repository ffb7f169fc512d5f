/**
 * Leadership among the processes sharing one database (a PostgreSQL advisory lock, the cluster
 * primary's choice, or always for a lone process). Part of the shared kernel: imports nothing.
 */
export interface Election {
  /** Resolves true when this process is (now) the leader. */
  acquire(): Promise<boolean>;
  /** Resolves false when leadership was lost since it was acquired (the lock's session ended). */
  check(): Promise<boolean>;
  release(): Promise<void>;
}

/** Leadership that never changes: a lone process, or the worker the cluster primary chose. */
export function fixedElection(leader: boolean): Election {
  return { acquire: async () => leader, check: async () => leader, release: async () => undefined };
}
