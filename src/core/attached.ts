/** The handle an adapter (a WebSocket or SSE session) holds on its connection in the hub. */
import type { Principal } from '../auth/principal.js';
import type { ParseResult } from '../protocol/index.js';

/** Returned by `attach`: the adapter feeds frames in and reports the close. */
export interface AttachedConnection {
  readonly id: string;
  /** The connection's user, as the last `rebind` left it. */
  readonly principal: Principal;
  /**
   * One client frame, parsed once by the adapter (protocol/parse.ts; a frame refused for its size
   * or for being binary comes as that failure, unread). A failure is answered with an `error`. A
   * returned promise settles once a snapshot or resume request has been charged to the budgets (or
   * refused); the adapter MUST hand in the next frame only after it settles.
   */
  receive(parsed: ParseResult): Promise<void> | undefined;
  closed(code: number, reason: string): void;
  /**
   * Replaces the connection's principal after an in-band `refresh` (same user id, so subscriptions
   * and per-user state stay valid). `closeWhere` matches the new one from then on, which is how a
   * socket refreshed with a session's ws-token closes with that session.
   */
  rebind(principal: Principal): void;
}
