/**
 * Keeping one connection alive: a `ping` every `pingIntervalMs` once it is up, and a watchdog that
 * declares it dead after `watchdogMs` without any message (0 turns either off).
 */
import type { ResolvedOptions } from './options.js';

export interface Keepalive {
  /** Restarts the watchdog: something was received (or the socket was just opened). */
  heard(): void;
  /** Starts pinging (the connection is up). */
  ping(): void;
  /** Stops both timers (the socket is gone). */
  stop(): void;
}

export function createKeepalive(opts: ResolvedOptions, send: (message: object) => void, silent: () => void): Keepalive {
  const { timers } = opts;
  let pingTimer: unknown = null;
  let watchdogTimer: unknown = null;

  function clear(handle: unknown): null {
    if (handle !== null) timers.clearTimeout(handle);
    return null;
  }

  function ping(): void {
    pingTimer = clear(pingTimer);
    if (opts.pingIntervalMs <= 0) return;
    pingTimer = timers.setTimeout(() => {
      pingTimer = null;
      send({ type: 'ping' });
      ping();
    }, opts.pingIntervalMs);
  }

  return {
    heard() {
      watchdogTimer = clear(watchdogTimer);
      if (opts.watchdogMs <= 0) return;
      watchdogTimer = timers.setTimeout(() => {
        watchdogTimer = null;
        silent();
      }, opts.watchdogMs);
    },
    ping,
    stop() {
      pingTimer = clear(pingTimer);
      watchdogTimer = clear(watchdogTimer);
    },
  };
}
