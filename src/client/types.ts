/**
 * Public types of the /ws client: options, statuses, events and the small WebSocket shape it
 * needs (satisfied by the browser's `WebSocket` and by the `ws` package in Node).
 */
import type {
  ConnectionMessage,
  Positions,
  ErrorMessage,
  InitialStateMessage,
  NotificationFilter,
  NotificationEventMessage,
  PongMessage,
  PresenceMessage,
  ResumedMessage,
  SubscriptionMessage,
} from '../protocol/index.js';
import type { TrackedPosition } from './positions.js';

/** `{bivarianceHack(...)}` lets both the DOM and `ws` socket handler types assign to ours. */
type Listener<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Listener<unknown> | null;
  onmessage: Listener<{ readonly data: unknown }> | null;
  onclose: Listener<{ readonly code: number; readonly reason: string }> | null;
  onerror: Listener<unknown> | null;
}

export interface WebSocketConstructor {
  new (url: string): WebSocketLike;
}

/** Timers the client schedules with; injectable so tests control time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'failed' | 'auth_failed';

/** Details passed with each status. Which fields are set depends on the status. */
export interface StatusData {
  /** `connecting`/`reconnecting`: the reconnection attempt number (0 for the first connect). */
  readonly attempt?: number;
  /** `reconnecting`: how long until the next try, and when that is (per the `now` clock). */
  readonly delayMs?: number;
  readonly nextAttemptAt?: number;
  /** `reconnecting`: the attempt budget. */
  readonly maxAttempts?: number;
  /** The close code and reason that caused this status, when there was one. */
  readonly code?: number;
  readonly reason?: string;
}

export type StatusListener = (status: ConnectionStatus, data: StatusData) => void;

/** Emitted when the server could not replay what was missed on a topic (`resumed`, `recovered: false`). */
export interface ResyncEvent {
  readonly type: 'resync';
  readonly topic: string;
  readonly reason: string;
}

/** Any server message, as the client passes it to handlers it has no specific type for. */
export interface GenericMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Handler argument per message type. `*` receives every message after de-duplication. */
export interface ClientEventMap {
  connection: ConnectionMessage;
  initial_state: InitialStateMessage;
  notification: NotificationEventMessage;
  subscription: SubscriptionMessage;
  pong: PongMessage;
  error: ErrorMessage;
  resumed: ResumedMessage;
  /** Who else is on an entity topic the client subscribed to with `{presence: true}`. */
  presence: PresenceMessage;
  resync: ResyncEvent;
  '*': GenericMessage;
}

export type EventOf<K extends string> = K extends keyof ClientEventMap ? ClientEventMap[K] : GenericMessage;
export type Handler<K extends string> = (message: EventOf<K>) => void;

/** Bounds of tab sharing; each is per browser (the leader enforces them). */
export interface ShareLimits {
  /** Largest relayed message, in UTF-16 code units of its JSON; larger ones are not relayed. Default 1 MiB. */
  readonly maxMessageChars?: number;
  /** Most topics one follower tab may ask the leader for. Default 100. */
  readonly maxTopicsPerTab?: number;
  /** Most follower tabs one leader serves; later ones connect themselves. Default 32. */
  readonly maxFollowers?: number;
}

export interface WsClientOptions {
  /** Absolute ws:// or wss:// URL. Default: `/ws` on the page's host, wss when the page is https. */
  readonly url?: string;
  /** WebSocket implementation. Default: the global `WebSocket` (pass the `ws` package in Node 20). */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * `auto`: WebSocket, and Server-Sent Events from the first WebSocket that closes (1006) before
   * the server said anything (an upgrade refused on the way). `websocket` or `sse`: only that one.
   * Default: `auto`, or `websocket` when `options.WebSocket` is given. SSE needs no WebSocket
   * implementation (Node 20's `fetch` will do).
   */
  readonly transport?: 'auto' | 'websocket' | 'sse';
  /** For SSE: the `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** For SSE: extra headers on the stream and its requests (in Node, `Authorization: Bearer …`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called before every connect; a string is sent as `?token=`. A throw counts as a failed attempt. */
  readonly getToken?: () => Promise<string | undefined>;
  /** Topics to subscribe to from the start. Default `['notifications']`. */
  readonly topics?: readonly string[];
  /**
   * Named inbox filters whose unread counts `filter_counts` carries (instead of the page's tabs),
   * named in every connect's URL (`?filters=`), so a reconnect that resumes gets no second snapshot;
   * the server bounds their number and size.
   */
  readonly filters?: Readonly<Record<string, NotificationFilter>>;
  /** Start connecting at creation. Default true. */
  readonly autoConnect?: boolean;
  readonly pingIntervalMs?: number;
  /** Silence after which the connection is declared dead. Default 2 × pingIntervalMs + 10 s. */
  readonly watchdogMs?: number;
  /** Reconnection attempts after a drop before giving up with `failed`. Default 10. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly backoffFactor?: number;
  readonly maxDelayMs?: number;
  /** Fraction (0–1) by which a delay may be shortened at random. Default 0.2. */
  readonly jitter?: number;
  /** Fresh-token retries after a 1008 close before `auth_failed`. Default 2. */
  readonly maxAuthRetries?: number;
  /**
   * How a reconnect asks for missed events. `url` (default): `?resume=` on the connect URL, so the
   * server replays instead of sending a snapshot first. `message`: a `resume` frame after `connection`.
   */
  readonly resumeVia?: 'url' | 'message';
  /** Reconnect at once on `visibilitychange` (visible) and `online`, in a browser. Default true. */
  readonly browserEvents?: boolean;
  /**
   * In a browser, one connection per browser: the page's tabs on the same URL elect a leader (Web
   * Locks) that holds the connection and relays to the others over BroadcastChannel
   * (shared-tabs/). Default true; it needs `navigator.locks` and `BroadcastChannel`, and without
   * them (Node, old browsers) each client connects itself, as with `false`.
   */
  readonly share?: boolean;
  /** Limits of tab sharing (docs/PROTOCOL.md, "One connection per browser"). */
  readonly shareLimits?: ShareLimits;
  /**
   * Positions to resume from on the first connect too (as on a reconnect): what a tab taking over
   * the shared connection holds. Default none (the first connect gets snapshots).
   */
  readonly resumeFrom?: Positions;
  readonly timers?: Timers;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface SubscribeOptions {
  /** Be a member of these entity topics' presence (`subscribe` with `presence: true`). */
  readonly presence?: boolean;
}

/** The client: the seed's `wsClient` API plus explicit lifecycle calls. */
export interface WsClient {
  /**
   * Adds topics; sent at once when connected, and after every reconnect. With `{presence: true}`
   * (entity topics only) the client is a member of their presence and gets `presence` messages.
   */
  subscribe(topics: string | readonly string[], options?: SubscribeOptions): void;
  unsubscribe(topics: string | readonly string[]): void;
  /** Replaces the named filters counted (`{}`: the tabs again); sent at once when connected (a fresh `initial_state`), and in every later connect's URL. */
  setFilters(filters: Readonly<Record<string, NotificationFilter>>): void;
  on<K extends string>(type: K, handler: Handler<K>): void;
  off<K extends string>(type: K, handler: Handler<K>): void;
  /** Calls `cb(status, data)` on every status change. Returns a function that removes it. */
  onConnectionStatus(cb: StatusListener): () => void;
  isConnected(): boolean;
  /** The server-assigned id of the current connection, or null. */
  getClientId(): string | null;
  getStatus(): ConnectionStatus;
  /** The transport the current (or next) connection uses: `websocket` or `sse`. */
  getTransport(): 'websocket' | 'sse';
  /**
   * This tab's part in tab sharing: `leader` holds the browser's connection, `follower` uses it
   * through the leader, `own` has a connection of its own (`share: false`, no Web Locks or
   * BroadcastChannel, or the leader had no room).
   */
  getShareRole(): 'leader' | 'follower' | 'own';
  /** The last applied position per topic. */
  getPositions(): Readonly<Record<string, TrackedPosition>>;
  /** Starts connecting if idle (no-op when connecting or connected). */
  connect(): void;
  /** Reconnects now with a fresh attempt budget, unless already connecting or connected. */
  reconnectNow(): void;
  /** Closes and stays closed until `connect()`/`reconnectNow()`. */
  close(): void;
}
