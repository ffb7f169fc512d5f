/**
 * createWsClient: the seed's `wsClient`. One socket at a time; on an unexpected close it waits
 * 1 s, 1.5 s, 2.25 s … (≤ 30 s, with jitter) for at most `maxAttempts` tries, then reports
 * `failed`. After every reconnect it resubscribes its topics in one frame and resumes from the
 * last offset it applied per topic, dropping any event it has already applied.
 */
import { NON_RETRYABLE_CLOSE_CODES, type ConnectionMessage, type Position, type ResumedMessage } from '../protocol/index.js';
import { backoffDelayMs } from './backoff.js';
import { createEmitter } from './emitter.js';
import { decodeFrame } from './frames.js';
import { buildUrl, resolveOptions } from './options.js';
import { createPositionTracker } from './positions.js';
import type { ConnectionStatus, GenericMessage, StatusData, StatusListener, WebSocketLike, WsClient, WsClientOptions } from './types.js';

const OPEN = 1;
const AUTH_CLOSE = 1008;
/** Close code the client uses for a connection its watchdog declared dead (4000–4999 is private use). */
const WATCHDOG_CLOSE = 4000;
const ignore = (): void => undefined;

export function createWsClient(options: WsClientOptions = {}): WsClient {
  const opts = resolveOptions(options);
  const { timers } = opts;
  const emitter = createEmitter<GenericMessage>();
  const statusListeners = new Set<StatusListener>();
  const positions = createPositionTracker();
  const topics = new Set(opts.topics);

  let status: ConnectionStatus = 'disconnected';
  let socket: WebSocketLike | null = null;
  let clientId: string | null = null;
  let stopped = true;
  let attempt = 0;
  let authRetries = 0;
  let generation = 0;
  let everConnected = false;
  let dialTopics: readonly string[] = [];
  let retryTimer: unknown = null;
  let pingTimer: unknown = null;
  let watchdogTimer: unknown = null;

  function setStatus(next: ConnectionStatus, data: StatusData): void {
    status = next;
    for (const cb of [...statusListeners]) {
      try {
        cb(next, data);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  function clearTimer(handle: unknown): null {
    if (handle !== null) timers.clearTimeout(handle);
    return null;
  }

  function clearConnectionTimers(): void {
    pingTimer = clearTimer(pingTimer);
    watchdogTimer = clearTimer(watchdogTimer);
  }

  function send(message: object): void {
    if (socket !== null && socket.readyState === OPEN) socket.send(JSON.stringify(message));
  }

  /** Stops listening to a socket. `onerror` stays a no-op: Node's `ws` throws on an unheard error. */
  function detach(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = ignore;
  }

  function armWatchdog(): void {
    watchdogTimer = clearTimer(watchdogTimer);
    if (opts.watchdogMs > 0) watchdogTimer = timers.setTimeout(onWatchdog, opts.watchdogMs);
  }

  function schedulePing(): void {
    pingTimer = clearTimer(pingTimer);
    if (opts.pingIntervalMs <= 0) return;
    pingTimer = timers.setTimeout(() => {
      pingTimer = null;
      send({ type: 'ping' });
      schedulePing();
    }, opts.pingIntervalMs);
  }

  function onWatchdog(): void {
    watchdogTimer = null;
    const ws = socket;
    if (ws === null) return;
    detach(ws);
    try {
      ws.close(WATCHDOG_CLOSE, 'watchdog');
    } catch {
      // Already closing; the socket is abandoned either way.
    }
    onDrop(undefined, `nothing received for ${opts.watchdogMs} ms`);
  }

  /** The socket is gone (closed, failed to open, or declared dead): decide what comes next. */
  function onDrop(code: number | undefined, reason: string): void {
    clearConnectionTimers();
    socket = null;
    clientId = null;
    if (stopped) return;
    if (code === AUTH_CLOSE && (opts.getToken === undefined || authRetries >= opts.maxAuthRetries)) {
      setStatus('auth_failed', { code, reason });
      return;
    }
    if (code === AUTH_CLOSE) authRetries += 1;
    else if (code !== undefined && NON_RETRYABLE_CLOSE_CODES.has(code)) {
      setStatus('auth_failed', { code, reason });
      return;
    }
    scheduleRetry(code, reason);
  }

  function scheduleRetry(code: number | undefined, reason: string): void {
    attempt += 1;
    if (attempt > opts.maxAttempts) {
      setStatus('failed', { attempt: attempt - 1, maxAttempts: opts.maxAttempts, code, reason });
      return;
    }
    const delayMs = backoffDelayMs(attempt, opts.backoff, opts.random);
    retryTimer = timers.setTimeout(() => {
      retryTimer = null;
      void dial();
    }, delayMs);
    const nextAttemptAt = opts.now() + delayMs;
    setStatus('reconnecting', { attempt, delayMs, nextAttemptAt, maxAttempts: opts.maxAttempts, code, reason });
  }

  async function dial(): Promise<void> {
    const gen = ++generation;
    setStatus('connecting', { attempt });
    let token: string | undefined;
    try {
      token = opts.getToken === undefined ? undefined : await opts.getToken();
    } catch (error) {
      if (gen === generation) onDrop(undefined, `getToken failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (gen !== generation || stopped) return;
    dialTopics = [...topics];
    const resume = everConnected && opts.resumeVia === 'url' ? positions.resumable() : {};
    let ws: WebSocketLike;
    try {
      ws = new opts.WebSocket(buildUrl(opts.url, dialTopics, resume, token));
    } catch (error) {
      onDrop(undefined, error instanceof Error ? error.message : String(error));
      return;
    }
    socket = ws;
    ws.onmessage = (event) => {
      if (socket === ws) receive(event.data);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      detach(ws);
      onDrop(event.code, event.reason);
    };
    // An error is always followed by a close event, which does the work.
    ws.onerror = ignore;
    armWatchdog();
  }

  function receive(data: unknown): void {
    armWatchdog();
    if (typeof data !== 'string') return;
    for (const message of decodeFrame(data)) handle(message);
  }

  function handle(message: GenericMessage): void {
    const { topic, offset } = message;
    if (message.type !== 'resumed' && typeof topic === 'string' && typeof offset === 'number') {
      if (!positions.accept(topic, offset)) return;
    }
    if (message.type === 'connection') onConnection(message as unknown as ConnectionMessage);
    if (message.type === 'initial_state') {
      const given = (message.positions ?? {}) as Record<string, Position>;
      for (const [name, position] of Object.entries(given)) positions.set(name, position);
    }
    emitter.emit(message.type, message);
    emitter.emit('*', message);
    if (message.type === 'resumed') onResumed(message as unknown as ResumedMessage);
  }

  /**
   * `resumed.position` is where the log stands after the replay that follows, so only its epoch is
   * taken: the replayed events advance the offset one by one. Without recovery an `initial_state`
   * follows and sets the position.
   */
  function onResumed(message: ResumedMessage): void {
    if (message.recovered) {
      positions.setEpoch(message.topic, message.position.epoch);
      return;
    }
    emitter.emit('resync', { type: 'resync', topic: message.topic, reason: message.reason ?? 'not_recovered' });
  }

  function onConnection(message: ConnectionMessage): void {
    clientId = message.client_id;
    attempt = 0;
    authRetries = 0;
    const isReconnect = everConnected;
    everConnected = true;
    setStatus('connected', {});
    schedulePing();
    if (isReconnect) {
      // The seed's resubscription, in one frame (a no-op for topics the URL already subscribed).
      if (topics.size > 0) send({ type: 'subscribe', topics: [...topics] });
      const resumable = positions.resumable();
      if (opts.resumeVia === 'message' && Object.keys(resumable).length > 0) send({ type: 'resume', positions: resumable });
      return;
    }
    // Topics changed while the first connect was being dialled.
    const added = [...topics].filter((t) => !dialTopics.includes(t));
    const removed = dialTopics.filter((t) => !topics.has(t));
    if (added.length > 0) send({ type: 'subscribe', topics: added });
    if (removed.length > 0) send({ type: 'unsubscribe', topics: removed });
  }

  function start(): void {
    retryTimer = clearTimer(retryTimer);
    stopped = false;
    attempt = 0;
    authRetries = 0;
    void dial();
  }

  function wake(): void {
    if (!stopped && status !== 'connected' && status !== 'connecting') start();
  }

  function installBrowserHooks(): void {
    if (!opts.browserEvents || typeof document === 'undefined' || typeof addEventListener !== 'function') return;
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') wake();
    });
    addEventListener('online', wake);
  }

  function toList(value: string | readonly string[]): string[] {
    return typeof value === 'string' ? [value] : [...value];
  }

  const client: WsClient = {
    subscribe(list) {
      const added = toList(list).filter((t) => !topics.has(t));
      for (const t of added) topics.add(t);
      if (added.length > 0 && status === 'connected') send({ type: 'subscribe', topics: added });
    },
    unsubscribe(list) {
      const removed = toList(list).filter((t) => topics.has(t));
      for (const t of removed) {
        topics.delete(t);
        positions.forget(t);
      }
      if (removed.length > 0 && status === 'connected') send({ type: 'unsubscribe', topics: removed });
    },
    on(type, handler) {
      emitter.on(type, handler as (m: GenericMessage) => void);
    },
    off(type, handler) {
      emitter.off(type, handler as (m: GenericMessage) => void);
    },
    onConnectionStatus(cb) {
      statusListeners.add(cb);
      return () => statusListeners.delete(cb);
    },
    isConnected: () => status === 'connected' && socket !== null && socket.readyState === OPEN,
    getClientId: () => clientId,
    getStatus: () => status,
    getPositions: () => positions.snapshot(),
    connect() {
      if (stopped || status === 'failed' || status === 'auth_failed') start();
    },
    reconnectNow() {
      if (status !== 'connected' && status !== 'connecting') start();
    },
    close() {
      stopped = true;
      generation += 1;
      retryTimer = clearTimer(retryTimer);
      clearConnectionTimers();
      const ws = socket;
      socket = null;
      clientId = null;
      if (ws !== null) {
        detach(ws);
        ws.close(1000, 'client closed');
      }
      if (status !== 'disconnected') setStatus('disconnected', {});
    },
  };
  installBrowserHooks();
  if (opts.autoConnect) client.connect();
  return client;
}
