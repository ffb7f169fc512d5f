/**
 * One connection per browser: the page's `wsClient` with the same API, whose tabs share one
 * connection. At `connect()` each tab joins the BroadcastChannel and queues for the Web Lock of
 * the URL; the tab holding the lock leads (leader.ts), the others follow (follower.ts). A tab's
 * lock is let go when it closes (or crashes), and the next tab in the queue takes over from the
 * union and positions the relay gave it. A tab the leader has no room for connects itself.
 */
import type { GenericMessage, WsClient, WsClientOptions } from '../types.js';
import { startFollower } from './follower.js';
import { startLeader, type Known, type Port } from './leader.js';
import { createTabView, type TabView } from './view.js';
import { decodeTabMessage, encodeTabMessage, type ResolvedShareLimits, type TabMessage } from './wire.js';

export interface ShareEnv {
  readonly locks: LockManager;
  readonly Channel: typeof BroadcastChannel;
}

/**
 * The page's Web Locks and BroadcastChannel, or undefined outside a page or when either is missing
 * (then each client connects itself). A page only: in Node both would be per process, and clients
 * of one process (tests, tools) would share one connection unasked.
 */
export function shareEnv(): ShareEnv | undefined {
  const g = globalThis as { navigator?: { locks?: LockManager }; BroadcastChannel?: typeof BroadcastChannel; document?: unknown };
  const locks = g.navigator?.locks;
  if (g.document === undefined || locks === undefined || g.BroadcastChannel === undefined) return undefined;
  return { locks, Channel: g.BroadcastChannel };
}

function limitsOf(options: WsClientOptions): ResolvedShareLimits {
  const given = options.shareLimits ?? {};
  const positive = (name: string, value: number): number => {
    if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`shareLimits.${name} must be an integer > 0, got ${String(value)}`);
    return value;
  };
  return {
    maxMessageChars: positive('maxMessageChars', given.maxMessageChars ?? 1024 * 1024),
    maxTopicsPerTab: positive('maxTopicsPerTab', given.maxTopicsPerTab ?? 100),
    maxFollowers: positive('maxFollowers', given.maxFollowers ?? 32),
    inheritMs: 10_000,
  };
}

function toList(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

function tabId(): string {
  return typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

interface Controls {
  port(): Port | null;
  role(): 'leader' | 'follower' | 'own';
  start(): void;
  stop(): void;
}

/** The page's API over this tab's view and its current port (none before `connect()`). */
function facade(view: TabView, c: Controls): WsClient {
  return {
    subscribe(list, options) {
      const port = c.port();
      const presence = options?.presence === true;
      if (port !== null) return port.subscribe(toList(list), presence);
      for (const t of toList(list)) view.topics.add(t);
      if (presence) for (const t of toList(list)) view.present.add(t);
    },
    unsubscribe(list) {
      const port = c.port();
      if (port !== null) port.unsubscribe(toList(list));
      else for (const t of toList(list)) view.topics.delete(t);
    },
    setFilters(filters) {
      view.setFilters(filters);
      c.port()?.setFilters(filters);
    },
    on(type, handler) {
      view.emitter.on(type, handler as (m: GenericMessage) => void);
    },
    off(type, handler) {
      view.emitter.off(type, handler as (m: GenericMessage) => void);
    },
    onConnectionStatus: (cb) => view.status.listen(cb),
    isConnected: () => view.status.current() === 'connected',
    getClientId: () => view.clientId(),
    getStatus: () => view.status.current(),
    getTransport: () => view.transport(),
    getShareRole: () => c.role(),
    getPositions: () => view.positions.snapshot(),
    connect: () => (c.port() === null ? c.start() : c.port()?.connect()),
    reconnectNow: () => (c.port() === null ? c.start() : c.port()?.reconnectNow()),
    close: () => c.stop(),
  };
}

export function createSharedClient(options: WsClientOptions, url: string, env: ShareEnv): WsClient {
  const limits = limitsOf(options);
  const name = `aether-v-realtime ${url}`;
  const tab = tabId();
  const view = createTabView(options.topics ?? ['notifications'], options.transport === 'sse' ? 'sse' : 'websocket');
  const known: Known = { topics: [], positions: {} };
  let port: Port | null = null;
  let channel: BroadcastChannel | null = null;
  let release: (() => void) | null = null;
  let abort: AbortController | null = null;
  let role: 'leader' | 'follower' | 'own' = 'follower';

  function post(message: TabMessage): void {
    const text = encodeTabMessage(message, limits.maxMessageChars);
    // Over the bound: the followers miss it, as the relay's documented limit says.
    if (text !== null) channel?.postMessage(text);
  }

  function lead(): void {
    role = 'leader';
    port = startLeader(view, options, known, limits, post);
    post({ k: 'leader' });
    port.connect();
  }

  /** The leader has no room: this tab leaves the channel and the queue and connects itself. */
  function solo(): void {
    role = 'own';
    abort?.abort();
    channel?.close();
    channel = null;
    port = startLeader(view, options, { topics: [], positions: {} }, limits, null);
    port.connect();
  }

  function start(): void {
    const ch = new env.Channel(name);
    channel = ch;
    ch.onmessage = (event: MessageEvent<unknown>) => {
      const message = decodeTabMessage(event.data, limits.maxMessageChars);
      if (message !== null && channel === ch) port?.receive(message);
    };
    role = 'follower';
    port = startFollower(tab, view, known, post, solo);
    const controller = (abort = new AbortController());
    const held = new Promise<void>((resolve) => (release = resolve));
    env.locks
      .request(name, { signal: controller.signal }, () => {
        if (controller.signal.aborted) return undefined;
        port?.close();
        lead();
        return held;
      })
      .catch(() => undefined); // aborted by close() or solo()
  }

  function stop(): void {
    port?.close();
    port = null;
    abort?.abort();
    release?.();
    release = null;
    channel?.close();
    channel = null;
    if (view.status.current() !== 'disconnected') view.status.set('disconnected', {});
  }

  if (typeof addEventListener === 'function') addEventListener('pagehide', () => port?.close());
  const client = facade(view, { port: () => port, role: () => role, start, stop });
  if (options.autoConnect ?? true) client.connect();
  return client;
}
