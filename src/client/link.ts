/**
 * The link: one socket at a time. It dials (with a fresh token from `getToken` each time), hands
 * what it receives on, and on an unexpected close, a failed open or a silent socket leaves the
 * next step to the reconnect loop (reconnect.ts).
 */
import { createKeepalive } from './keepalive.js';
import type { ResolvedOptions } from './options.js';
import { createReconnect, type Reconnect } from './reconnect.js';
import type { StatusBoard } from './status.js';
import type { WebSocketLike } from './types.js';

const OPEN = 1;
/** Close code the client uses for a connection its watchdog declared dead (4000–4999 is private use). */
const WATCHDOG_CLOSE = 4000;
const ignore = (): void => undefined;
/** Sockets that delivered something: a WebSocket that closes without having done so was refused on the way. */
const heardFrom = new WeakSet<WebSocketLike>();

export interface LinkHooks {
  /** The URL of the next connect; `again` is true once a connection has been up before. */
  url(token: string | undefined, again: boolean): string;
  /** Every message event's data, from the current socket only. */
  receive(data: unknown): void;
  /** The socket is gone, or the link was closed. */
  down(): void;
}

export interface Link {
  /** Dials now with a fresh attempt budget, cancelling any wait. */
  start(): void;
  /** Closes (1000) and stays closed until `start`. */
  close(): void;
  /** Sends when the socket is open; drops the message otherwise. */
  send(message: object): void;
  isOpen(): boolean;
  running(): boolean;
  clientId(): string | null;
  /** The server's `connection` arrived: returns true when a connection was up before (a reconnect). */
  connected(clientId: string): boolean;
  /** Its reconnect loop, for the waits the server asks for. */
  readonly reconnect: Reconnect;
}

/** Stops listening to a socket. `onerror` stays a no-op: Node's `ws` throws on an unheard error. */
function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = ignore;
}

/** Gives up on a socket the watchdog found silent: it is no longer heard, and closed (4000). */
function abandon(ws: WebSocketLike): void {
  detach(ws);
  try {
    ws.close(WATCHDOG_CLOSE, 'watchdog');
  } catch {
    // Already closing; the socket is abandoned either way.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The socket of one connect, or why it could not even be created (a bad URL). */
function open(opts: ResolvedOptions, url: string): WebSocketLike | string {
  try {
    return opts.transports.open(url);
  } catch (error) {
    return messageOf(error);
  }
}

/** The token for the next connect, or why `getToken` failed (which counts as a failed attempt). */
async function tokenFor(opts: ResolvedOptions): Promise<{ token: string | undefined } | { failed: string }> {
  try {
    return { token: opts.getToken === undefined ? undefined : await opts.getToken() };
  } catch (error) {
    return { failed: `getToken failed: ${messageOf(error)}` };
  }
}

export function createLink(opts: ResolvedOptions, status: StatusBoard, hooks: LinkHooks): Link {
  let socket: WebSocketLike | null = null;
  let clientId: string | null = null;
  let stopped = true;
  let generation = 0;
  let everConnected = false;
  const send = (message: object): void => {
    if (socket !== null && socket.readyState === OPEN) socket.send(JSON.stringify(message));
  };
  const keepalive = createKeepalive(opts, send, () => {
    if (socket === null) return;
    abandon(socket);
    dropped(undefined, `nothing received for ${opts.watchdogMs} ms`);
  });
  const reconnect = createReconnect(opts, status, () => void dial());

  /** The socket is gone (closed, failed to open, or declared dead): decide what comes next. */
  function dropped(code: number | undefined, reason: string): void {
    if (socket !== null && !stopped) opts.transports.dropped(heardFrom.has(socket), code);
    keepalive.stop();
    socket = null;
    clientId = null;
    hooks.down();
    if (!stopped) reconnect.dropped(code, reason);
  }

  async function dial(): Promise<void> {
    const gen = ++generation;
    status.set('connecting', { attempt: reconnect.attempt() });
    const got = await tokenFor(opts);
    if (gen !== generation || stopped) return;
    if ('failed' in got) return dropped(undefined, got.failed);
    const ws = open(opts, hooks.url(got.token, everConnected));
    if (typeof ws === 'string') return dropped(undefined, ws);
    socket = ws;
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      heardFrom.add(ws);
      keepalive.heard();
      hooks.receive(event.data);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      detach(ws);
      dropped(event.code, event.reason);
    };
    // An error is always followed by a close event, which does the work.
    ws.onerror = ignore;
    keepalive.heard();
  }

  return {
    start() {
      reconnect.reset();
      stopped = false;
      void dial();
    },
    close() {
      stopped = true;
      generation += 1;
      reconnect.reset();
      const ws = socket;
      dropped(undefined, 'client closed');
      if (ws !== null) {
        detach(ws);
        ws.close(1000, 'client closed');
      }
      if (status.current() !== 'disconnected') status.set('disconnected', {});
    },
    send,
    isOpen: () => socket !== null && socket.readyState === OPEN,
    running: () => !stopped,
    clientId: () => clientId,
    connected(id) {
      clientId = id;
      reconnect.reset();
      const again = everConnected;
      everConnected = true;
      status.set('connected', {});
      keepalive.ping();
      return again;
    },
    reconnect,
  };
}
