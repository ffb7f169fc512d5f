/**
 * The `ws` socket class /ws uses: the endpoint's handlers are called straight from `emit`, with
 * the socket, instead of being added as listeners. An EventEmitter keeps its listeners in a
 * null-prototype object, which V8 holds as a hash table (~250 bytes once four events have
 * listeners); with no listeners it stays empty, and the session rides on the socket instead of in
 * a Map. Listeners added by others (ws-drain.ts's `close`) still run, after the handler.
 */
import type { RawData } from 'ws';
import { WebSocket } from 'ws';

/** The endpoint's handlers: one object shared by every socket. */
export interface SocketEvents<S> {
  message(session: S, data: RawData, isBinary: boolean): void;
  pong(session: S): void;
  error(session: S, err: Error): void;
  close(session: S, code: number, reason: Buffer): void;
}

/**
 * A listener table in fast mode: EventEmitter makes `{ __proto__: null }`, which V8 keeps as a hash
 * table (160 bytes empty); a null-prototype object made by setPrototypeOf keeps a shared shape.
 * Made from a class without fields, it has no room reserved for properties (24 bytes, where `{}`
 * reserves four: 56); a listener added later goes to a properties array. EventEmitter reads and
 * writes `_events` with plain property access, so either works for it.
 */
class ListenerTable {}

function fastListenerTable(): object {
  return Object.setPrototypeOf(new ListenerTable(), null) as object;
}

/**
 * `ws` gives every socket an empty `_extensions` object (56 bytes), shared with its Receiver and
 * Sender, and replaces it only when permessage-deflate is accepted. A server only reads it, so
 * sockets without an extension share this one.
 */
const NO_EXTENSIONS: object = Object.freeze({});

/**
 * A ping is answered while less than this is queued unsent for the peer; beyond, it is dropped (a
 * peer that pings and does not read meets the slow-consumer bound on the next frame instead).
 */
export const PONG_BELOW_BUFFERED_BYTES = 1024 * 1024;

/**
 * Emits to `events` for the attached `session`, then to any listeners. Pings are answered here:
 * the endpoint turns `ws`'s autoPong off, which allocates a closure per socket for its callback.
 */
export class SessionWebSocket<S = unknown> extends WebSocket {
  session: S | undefined = undefined;
  events: SocketEvents<S> | undefined = undefined;
  /** `ws`'s own field, replaced as the socket is made: before the upgrade hands it to the Receiver and Sender. */
  protected _extensions: object = NO_EXTENSIONS;

  /** From now on this socket's events go to `events` with `session`. */
  bind(session: S, events: SocketEvents<S>): void {
    this.session = session;
    this.events = events;
    const self = this as unknown as { _events: object; _eventsCount: number };
    if (self._eventsCount === 0) self._events = fastListenerTable();
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'ping' && this.readyState === WebSocket.OPEN && this.bufferedAmount < PONG_BELOW_BUFFERED_BYTES) this.pong(args[0] as Buffer, false);
    const { session, events } = this;
    if (session !== undefined && events !== undefined) {
      if (event === 'message') events.message(session, args[0] as RawData, args[1] === true);
      else if (event === 'pong') events.pong(session);
      else if (event === 'error') {
        events.error(session, args[0] as Error);
        // Handled: an 'error' without listeners must not throw.
        if (this.listenerCount('error') === 0) return true;
      } else if (event === 'close') {
        this.session = undefined;
        events.close(session, args[0] as number, args[1] as Buffer);
      }
    }
    return super.emit(event, ...args);
  }
}

/**
 * Every open session, for the heartbeat: an array with swap-remove (each session knows its slot),
 * a pointer per session instead of a Map entry.
 */
export interface Slotted {
  slot: number;
}

export class SessionList<S extends Slotted> {
  private readonly items: S[] = [];

  get size(): number {
    return this.items.length;
  }

  add(s: S): void {
    s.slot = this.items.length;
    this.items.push(s);
  }

  remove(s: S): void {
    const i = s.slot;
    if (i < 0 || this.items[i] !== s) return;
    const last = this.items.pop() as S;
    if (last !== s) {
      this.items[i] = last;
      last.slot = i;
    }
    s.slot = -1;
  }

  /** Visits every session, last first: one removed during the visit never makes another skipped. */
  forEachBackwards(visit: (s: S) => void): void {
    for (let i = this.items.length - 1; i >= 0; i -= 1) {
      const s = this.items[i];
      if (s !== undefined) visit(s);
    }
  }
}
