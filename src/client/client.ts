/**
 * createWsClient: the seed's `wsClient`, put together from its parts: the link and its reconnect
 * loop (link.ts, reconnect.ts, keepalive.ts), the topics it asks for (subscriptions.ts), where it
 * stands in each topic's log (positions.ts), and the handlers messages go to (dispatch.ts). After
 * every reconnect it resubscribes its topics in one frame and resumes from the last offset it
 * applied per topic, dropping any event it has already applied. A request the server refuses with
 * `budget_exceeded` is asked again only after the `retry_after_ms` it names. With `resumeFrom`,
 * even the first connect resumes (a shared-tabs leader taking over, shared-tabs/leader.ts).
 */
import { createDispatcher } from './dispatch.js';
import { createEmitter } from './emitter.js';
import { budgetWaitMs } from './frames.js';
import { createLink } from './link.js';
import { buildUrl, resolveOptions } from './options.js';
import { createPositionTracker } from './positions.js';
import { createStatusBoard } from './status.js';
import { createSubscriptions } from './subscriptions.js';
import type { GenericMessage, WsClient, WsClientOptions } from './types.js';

/** The one-connection client, plus the raw send the shared-tabs leader needs for its requests. */
export interface ConnectionClient extends WsClient {
  /** Sends one client message on the open connection (dropped when not connected). */
  send(message: object): void;
}

function toList(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

export function createConnectionClient(options: WsClientOptions = {}): ConnectionClient {
  const opts = resolveOptions(options);
  const emitter = createEmitter<GenericMessage>();
  const status = createStatusBoard();
  const positions = createPositionTracker(options.resumeFrom);
  const isConnected = (): boolean => status.current() === 'connected';
  const subscriptions = createSubscriptions(opts, positions, (m) => link.send(m), isConnected);
  const receive = createDispatcher(
    positions,
    emitter,
    // A first connect from `resumeFrom` is a reconnect as far as the topics and positions go.
    (message) => subscriptions.connected(link.connected(message.client_id) || options.resumeFrom !== undefined),
    (message) => {
      const waitMs = budgetWaitMs(message, opts.backoff.baseDelayMs);
      if (waitMs === undefined) return;
      if (message.ref === 'connect') link.reconnect.waitAtLeast(waitMs);
      if (message.ref === 'subscribe' || message.ref === 'resume') subscriptions.refused(message.ref, waitMs);
    },
  );
  const link = createLink(opts, status, {
    url: (token, again) => {
      const dial = subscriptions.dialing();
      const resume = (again || options.resumeFrom !== undefined) && opts.resumeVia === 'url' ? positions.resumable() : {};
      return buildUrl(opts.url, dial.topics, resume, token, dial.filters);
    },
    receive,
    down: () => subscriptions.down(),
  });
  const busy = (): boolean => isConnected() || status.current() === 'connecting';

  function wake(): void {
    if (link.running() && !busy() && !link.reconnect.held()) link.start();
  }

  if (opts.browserEvents && typeof document !== 'undefined' && typeof addEventListener === 'function') {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') wake();
    });
    addEventListener('online', wake);
  }

  const client: ConnectionClient = {
    send: (message) => link.send(message),
    subscribe: (list, subscribeOptions) => subscriptions.add(toList(list), subscribeOptions?.presence === true),
    unsubscribe: (list) => subscriptions.remove(toList(list)),
    setFilters: (filters) => subscriptions.setFilters(filters),
    on(type, handler) {
      emitter.on(type, handler as (m: GenericMessage) => void);
    },
    off(type, handler) {
      emitter.off(type, handler as (m: GenericMessage) => void);
    },
    onConnectionStatus: (cb) => status.listen(cb),
    isConnected: () => isConnected() && link.isOpen(),
    getClientId: () => link.clientId(),
    getStatus: () => status.current(),
    getTransport: () => opts.transports.current(),
    getShareRole: () => 'own',
    getPositions: () => positions.snapshot(),
    connect() {
      const now = status.current();
      if (!link.running() || now === 'failed' || now === 'auth_failed') link.start();
    },
    reconnectNow() {
      if (!busy()) link.start();
    },
    close: () => link.close(),
  };
  if (opts.autoConnect) client.connect();
  return client;
}
