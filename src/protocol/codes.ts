/**
 * Close codes and error codes of the /ws protocol. See docs/PROTOCOL.md for what a client
 * should do on each. This file imports nothing: it is shared by server, browser and CLI.
 */

/** WebSocket close codes the server uses. Every close also carries a reason string. */
export const CloseCode = {
  /** Normal closure (client asked, or the server closes a socket it no longer needs). */
  NORMAL: 1000,
  /** The server is shutting down or draining; reconnect (to this or another instance) and resume. */
  GOING_AWAY: 1001,
  /** Authentication or authorisation failed (the seed's code); fetch a fresh token before retrying. */
  POLICY_VIOLATION: 1008,
  /** A frame exceeded the hard payload limit. */
  MESSAGE_TOO_BIG: 1009,
  /** An unexpected server error. Reconnect with backoff and resume. */
  INTERNAL_ERROR: 1011,
  /** The server is over capacity; try again later with backoff. */
  TRY_AGAIN_LATER: 1013,
  /** The token the socket was opened with expired and was not refreshed in-band. */
  TOKEN_EXPIRED: 4001,
  /**
   * Authentication did not finish within WS_AUTH_CHECK_TIMEOUT_MS (a slow or unreachable identity
   * provider). Retry with backoff; the same credential may succeed later.
   */
  AUTH_TIMEOUT: 4002,
  /** The session behind the socket was logged out or revoked; do not reconnect without signing in. */
  SESSION_REVOKED: 4003,
  /** Too many client messages per second. Reconnect after a pause. */
  RATE_LIMITED: 4008,
  /** The client read too slowly and its send buffer overflowed. Reconnect and resume. */
  SLOW_CONSUMER: 4009,
  /**
   * The snapshots or replays asked for at connect exceed the connection's or the user's cost budget
   * (an `error` `budget_exceeded` with `retry_after_ms` comes first). Reconnect after that long.
   */
  BUDGET_EXCEEDED: 4010,
  /**
   * An administrator ended the connection (the admin API or `aether-v disconnect`); the reason is
   * the administrator's. Do not reconnect on your own: show the reason. A disconnect by session or
   * user also ended the browser sessions, so the page must sign in again.
   */
  ADMIN_DISCONNECT: 4011,
  /**
   * The user may no longer connect at all: an administrator blocked them or took the role every
   * user needs, or a refreshed credential no longer carries it. Do not reconnect.
   */
  ACCESS_REVOKED: 4012,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes carried by `{"type":"error"}` messages. The connection stays open after each of them. */
export const ErrorCode = {
  INVALID_JSON: 'invalid_json',
  INVALID_MESSAGE: 'invalid_message',
  UNKNOWN_TYPE: 'unknown_type',
  INVALID_TOPIC: 'invalid_topic',
  UNKNOWN_TOPIC: 'unknown_topic',
  TOO_MANY_SUBSCRIPTIONS: 'too_many_subscriptions',
  /** A `subscribe`'s `filters` name more filters, or take more bytes, than the server counts per connection. Nothing changed. */
  TOO_MANY_FILTERS: 'too_many_filters',
  MESSAGE_TOO_LARGE: 'message_too_large',
  RATE_LIMITED: 'rate_limited',
  /** A snapshot or resume would exceed the cost budget; the error carries `retry_after_ms`. Nothing changed. */
  BUDGET_EXCEEDED: 'budget_exceeded',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  INTERNAL: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Close codes after which a client should not reconnect blindly. */
export const NON_RETRYABLE_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.POLICY_VIOLATION,
  CloseCode.SESSION_REVOKED,
  CloseCode.ADMIN_DISCONNECT,
  CloseCode.ACCESS_REVOKED,
]);
