/**
 * The reconnect loop's decisions after a drop: wait 1 s, 1.5 s, 2.25 s … (≤ 30 s, with jitter), or
 * longer when the server asked for it (`budget_exceeded` with `retry_after_ms` at connect), for at
 * most `maxAttempts` tries, then `failed`; after 1008 with no fresh token to try, or 4003, stop with
 * `auth_failed`.
 */
// From codes.js, not index.js: the index would bring parse.ts's constants into the browser bundle.
import { NON_RETRYABLE_CLOSE_CODES } from '../protocol/codes.js';
import { backoffDelayMs } from './backoff.js';
import type { ResolvedOptions } from './options.js';
import type { StatusBoard } from './status.js';

const AUTH_CLOSE = 1008;

export interface Reconnect {
  /** The attempt now being dialled: 0 for a first connect, then 1, 2 … after drops. */
  attempt(): number;
  /** The connection was lost while running: stop, or wait and call `redial`. */
  dropped(code: number | undefined, reason: string): void;
  /**
   * The connection is up, or a fresh start (connect, reconnectNow, wake) or close: the attempt
   * budget refills and any wait is cancelled.
   */
  reset(): void;
  /** The server asked this connection not to reconnect for `ms` (`retry_after_ms`): the next wait is at least that. */
  waitAtLeast(ms: number): void;
  /** True while a wait the server asked for is running: `online` and `visibilitychange` leave it be. */
  held(): boolean;
}

export function createReconnect(opts: ResolvedOptions, status: StatusBoard, redial: () => void): Reconnect {
  const { timers } = opts;
  let attempt = 0;
  let authRetries = 0;
  let floorMs = 0;
  let heldUntil = 0;
  let timer: unknown = null;

  function reset(): void {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    attempt = authRetries = heldUntil = floorMs = 0;
  }

  function schedule(code: number | undefined, reason: string): void {
    attempt += 1;
    const asked = floorMs;
    floorMs = 0;
    if (attempt > opts.maxAttempts) {
      status.set('failed', { attempt: attempt - 1, maxAttempts: opts.maxAttempts, code, reason });
      return;
    }
    const delayMs = Math.max(backoffDelayMs(attempt, opts.backoff, opts.random), asked);
    timer = timers.setTimeout(() => {
      timer = null;
      heldUntil = 0;
      redial();
    }, delayMs);
    const nextAttemptAt = opts.now() + delayMs;
    if (asked > 0) heldUntil = nextAttemptAt;
    status.set('reconnecting', { attempt, delayMs, nextAttemptAt, maxAttempts: opts.maxAttempts, code, reason });
  }

  return {
    attempt: () => attempt,
    dropped(code, reason) {
      const refused =
        code === AUTH_CLOSE ? opts.getToken === undefined || authRetries >= opts.maxAuthRetries : code !== undefined && NON_RETRYABLE_CLOSE_CODES.has(code);
      if (refused) {
        floorMs = 0;
        status.set('auth_failed', { code, reason });
        return;
      }
      if (code === AUTH_CLOSE) authRetries += 1;
      schedule(code, reason);
    },
    reset,
    waitAtLeast(ms) {
      floorMs = Math.max(floorMs, ms);
    },
    held: () => heldUntil > opts.now(),
  };
}
