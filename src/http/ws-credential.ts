/**
 * Keeps a socket's credential true while it is open: closes it when the credential expires
 * (4001, or 4003 for a session's end) unless a `refresh` message brings a new credential for the
 * same user in time.
 */
import type { IncomingMessage } from 'node:http';
import type { AuthResult, Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { CloseCode, ErrorCode } from '../protocol/index.js';

/** setTimeout's ceiling (about 24.8 days); longer credentials re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

export interface CredentialWatch {
  /** Handles a `refresh` message; resolves with the frame to send back. */
  refresh(token: string): Promise<object>;
  stop(): void;
}

export interface CredentialWatchOptions {
  readonly principal: Principal;
  readonly request: IncomingMessage;
  readonly authenticator: Authenticator;
  readonly close: (code: number, reason: string) => void;
  readonly onExpired?: () => void;
}

export function watchCredential(options: CredentialWatchOptions): CredentialWatch {
  let expiresAt = options.principal.expiresAt;
  let timer: NodeJS.Timeout | undefined;

  function arm(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (expiresAt === undefined) return;
    const delay = expiresAt - Date.now();
    if (delay > MAX_TIMER_MS) {
      timer = setTimeout(arm, MAX_TIMER_MS);
      return;
    }
    timer = setTimeout(() => {
      options.onExpired?.();
      if (options.principal.sessionId !== undefined) options.close(CloseCode.SESSION_REVOKED, 'session expired; sign in again');
      else options.close(CloseCode.TOKEN_EXPIRED, 'token expired; reconnect with a new token or send refresh before expiry');
    }, Math.max(0, delay));
    timer.unref();
  }
  arm();

  return {
    async refresh(token) {
      const result: AuthResult = await options.authenticator.credential(token, options.request);
      if (!result.ok) return { type: 'error', code: ErrorCode.UNAUTHORIZED, message: `refresh refused: ${result.message}`, ref: 'refresh' };
      if (result.principal.id !== options.principal.id) {
        return { type: 'error', code: ErrorCode.FORBIDDEN, message: 'refresh refused: the token belongs to another user', ref: 'refresh' };
      }
      expiresAt = result.principal.expiresAt;
      arm();
      return { type: 'refreshed', expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString() };
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
