/** Defaults under the caller's options, checked up front, and the URL of each connect. */
import type { NotificationFilter, Positions } from '../protocol/index.js';
import { checkBackoffOptions, type BackoffOptions } from './backoff.js';
import { createTransports, type Transports } from './transport.js';
import type { Timers, WsClientOptions } from './types.js';

export interface ResolvedOptions {
  readonly url: string;
  /** Opens each connect's socket: WebSocket, or Server-Sent Events (transport.ts). */
  readonly transports: Transports;
  readonly getToken: (() => Promise<string | undefined>) | undefined;
  readonly topics: readonly string[];
  readonly filters: Readonly<Record<string, NotificationFilter>> | undefined;
  readonly autoConnect: boolean;
  readonly pingIntervalMs: number;
  readonly watchdogMs: number;
  readonly maxAttempts: number;
  readonly maxAuthRetries: number;
  readonly resumeVia: 'url' | 'message';
  readonly backoff: BackoffOptions;
  readonly browserEvents: boolean;
  readonly timers: Timers;
  readonly now: () => number;
  readonly random: () => number;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function defaultUrl(): string {
  const location = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (location === undefined) throw new TypeError('options.url is required outside a browser page');
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

function transportsOf(options: WsClientOptions): Transports {
  // Passing a WebSocket implementation (Node, tests) asks for WebSocket; a browser page gets the fallback.
  const choice = options.transport ?? (options.WebSocket === undefined ? 'auto' : 'websocket');
  if (choice !== 'auto' && choice !== 'websocket' && choice !== 'sse')
    throw new TypeError(`transport must be 'auto', 'websocket' or 'sse', got ${String(choice)}`);
  const impl = options.WebSocket ?? (globalThis as { WebSocket?: WsClientOptions['WebSocket'] }).WebSocket;
  if (impl === undefined && choice !== 'sse') {
    throw new TypeError("no global WebSocket: pass options.WebSocket (in Node 20, the 'ws' package's WebSocket), or transport: 'sse'");
  }
  return createTransports(choice, impl, {
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new TypeError(`${name} must be a finite number >= 0, got ${String(value)}`);
  return value;
}

/** Fills in defaults and throws a TypeError naming the option when one cannot work. */
export function resolveOptions(options: WsClientOptions): ResolvedOptions {
  const pingIntervalMs = nonNegative('pingIntervalMs', options.pingIntervalMs ?? 30_000);
  const backoff: BackoffOptions = {
    baseDelayMs: options.baseDelayMs ?? 1000,
    factor: options.backoffFactor ?? 1.5,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    jitter: options.jitter ?? 0.2,
  };
  checkBackoffOptions(backoff);
  const url = options.url ?? defaultUrl();
  if (!/^wss?:\/\//.test(url)) throw new TypeError(`url must start with ws:// or wss://, got ${url}`);
  return {
    url,
    transports: transportsOf(options),
    getToken: options.getToken,
    topics: [...new Set(options.topics ?? ['notifications'])],
    filters: options.filters,
    autoConnect: options.autoConnect ?? true,
    pingIntervalMs,
    watchdogMs: nonNegative('watchdogMs', options.watchdogMs ?? 2 * pingIntervalMs + 10_000),
    maxAttempts: nonNegative('maxAttempts', options.maxAttempts ?? 10),
    maxAuthRetries: nonNegative('maxAuthRetries', options.maxAuthRetries ?? 2),
    resumeVia: options.resumeVia ?? 'url',
    backoff,
    browserEvents: options.browserEvents ?? true,
    timers: options.timers ?? defaultTimers,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
}

/**
 * The URL of one connect: the base plus `topics` (initial subscriptions), `resume` (positions to
 * replay from instead of a snapshot), `filters` (named filters the first snapshot counts) and
 * `token`, each when given.
 */
export function buildUrl(
  base: string,
  topics: readonly string[],
  resume: Positions,
  token: string | undefined,
  filters?: Readonly<Record<string, unknown>>,
): string {
  const params: string[] = [];
  if (topics.length > 0) params.push(`topics=${topics.map(encodeURIComponent).join(',')}`);
  if (Object.keys(resume).length > 0) params.push(`resume=${encodeURIComponent(JSON.stringify(resume))}`);
  if (filters !== undefined) params.push(`filters=${encodeURIComponent(JSON.stringify(filters))}`);
  if (token !== undefined && token !== '') params.push(`token=${encodeURIComponent(token)}`);
  if (params.length === 0) return base;
  return `${base}${base.includes('?') ? '&' : '?'}${params.join('&')}`;
}
