/**
 * Sessions that end close their sockets on every instance. A logout closes this instance's sockets
 * of the session at once and tells the others over the bus (`session_revoked`); sessions the sweep
 * ends go the same way; and after a bus outage, when control messages may have been lost, the
 * sessions of the open sockets (the hub's `openSessions()`) are checked against the store.
 */
import type { Bus } from '../bus/types.js';
import type { Hub } from '../core/index.js';
import { CloseCode } from '../protocol/index.js';
import type { Store } from '../store/types.js';

/** Control message on the bus: every instance closes the sockets of a revoked or ended session. */
export const SESSION_REVOKED = 'session_revoked';

export interface SessionRevocation {
  /** Closes this instance's sockets of the session (4003) and tells every other instance. */
  revoke(sessionId: string, reason: string): void;
  /** Closes the sockets whose session no longer exists (after the bus was away). */
  revalidate(): Promise<void>;
  close(): void;
}

export function startSessionRevocation(deps: { readonly hub: Hub; readonly bus: Bus; readonly store: Store }): SessionRevocation {
  const { hub, bus, store } = deps;
  const closeLocal = (sessionId: string, reason: string): number => hub.closeWhere((p) => p.sessionId === sessionId, CloseCode.SESSION_REVOKED, reason);
  const unsubscribe = bus.subscribeControl((message) => {
    if (message.kind === SESSION_REVOKED && typeof message.sessionId === 'string') closeLocal(message.sessionId, 'session ended; sign in again');
  });
  return {
    revoke(sessionId, reason) {
      closeLocal(sessionId, reason);
      bus.publishControl({ kind: SESSION_REVOKED, sessionId });
    },
    async revalidate() {
      for (const id of hub.openSessions()) {
        if ((await store.read((tx) => tx.sessions.get(id))) === undefined) closeLocal(id, 'session ended; sign in again');
      }
    },
    close: unsubscribe,
  };
}
