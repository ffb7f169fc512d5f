/**
 * Keeps a socket's credential true while it is open: closes it when the credential expires
 * (4001, or 4003 for a session's end) unless a `refresh` message brings a new credential for the
 * same user in time. Plain functions over the socket's own state (`Expiring`): a socket whose
 * credential never expires holds no timer and nothing else.
 */
import type { AuthResult, Authenticator, SocketFacts } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { CloseCode, ErrorCode } from '../protocol/index.js';

/** setTimeout's ceiling (about 24.8 days); longer credentials re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/** The state the expiry clock keeps on a socket (src/http/ws-session.ts). */
export interface Expiring {
  /** When the current credential expires (epoch ms); undefined when it never does. */
  expiresAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Called when the credential has expired: log and close (see `expiryClose`). */
  expired(): void;
}

/** (Re-)arms the expiry timer for `socket.expiresAt`. The timer holds the socket, no closure. */
export function armExpiry(socket: Expiring): void {
  if (socket.timer !== undefined) clearTimeout(socket.timer);
  socket.timer = undefined;
  if (socket.expiresAt === undefined) return;
  const delay = socket.expiresAt - Date.now();
  socket.timer = delay > MAX_TIMER_MS ? setTimeout(armExpiry, MAX_TIMER_MS, socket) : setTimeout(fire, Math.max(0, delay), socket);
  socket.timer.unref();
}

function fire(socket: Expiring): void {
  socket.timer = undefined;
  socket.expired();
}

/** The close code and reason for an expired credential: a session's end is 4003, a token's 4001. */
export function expiryClose(principal: Principal): [code: number, reason: string] {
  return principal.sessionId !== undefined
    ? [CloseCode.SESSION_REVOKED, 'session expired; sign in again']
    : [CloseCode.TOKEN_EXPIRED, 'token expired; reconnect with a new token or send refresh before expiry'];
}

/** What a `refresh` comes to: the frame to send back, and the socket's new principal when it succeeded. */
export interface RefreshOutcome {
  readonly answer: object;
  readonly principal?: Principal;
  /** The user may no longer connect: close with 4012 after the answer. */
  readonly revoked?: boolean;
}

/**
 * Resolves with `promise`'s value, or with `late()`'s once `deadlineMs` has passed (the promise is
 * then left to settle on its own). The timer holds nothing but the callback.
 */
export function withDeadline<T>(promise: Promise<T>, deadlineMs: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), deadlineMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Handles a `refresh` message: checks the token (within `deadlineMs`), which must name the
 * socket's user, and re-arms the clock for its expiry. A token tied to a browser session (a
 * ws-token) binds the socket to that session: its principal takes the session id, so logout or the
 * session's end closes it with 4003 on every instance. A token without a session keeps an earlier
 * binding. Roles come from the new credential, so roles changed at the identity provider (or by
 * an administrator, auth/access.ts) take effect on the socket at its next refresh; the name stays
 * the first credential's. A refresh refused as `forbidden` (the user may no longer connect at all)
 * says `revoked`: the socket closes with 4012.
 */
export async function refreshCredential(
  socket: Expiring & SocketFacts,
  principal: Principal,
  authenticator: Authenticator,
  token: string,
  deadlineMs: number,
): Promise<RefreshOutcome> {
  const late = (): AuthResult => ({ ok: false, reason: 'unavailable', message: 'the credential could not be checked in time; retry later' });
  const result = await withDeadline(authenticator.credential(token, socket), deadlineMs, late);
  if (!result.ok) {
    const answer = { type: 'error', code: ErrorCode.UNAUTHORIZED, message: `refresh refused: ${result.message}`, ref: 'refresh' };
    return result.reason === 'forbidden' ? { answer: { ...answer, code: ErrorCode.FORBIDDEN }, revoked: true } : { answer };
  }
  if (result.principal.id !== principal.id) {
    return { answer: { type: 'error', code: ErrorCode.FORBIDDEN, message: 'refresh refused: the token belongs to another user', ref: 'refresh' } };
  }
  const sessionId = result.principal.sessionId ?? principal.sessionId;
  const { expiresAt } = result.principal;
  const { id, name, method } = principal;
  const { roles } = result.principal;
  const next: Principal = { id, name, roles, method, ...(sessionId === undefined ? {} : { sessionId }), ...(expiresAt === undefined ? {} : { expiresAt }) };
  socket.expiresAt = expiresAt;
  armExpiry(socket);
  return { answer: { type: 'refreshed', expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString() }, principal: next };
}
