/**
 * Delivery: how a frame reaches one connection (`send`, with the slow-consumer bound) and how a
 * committed event reaches every connection that may have it (`fanout`, or `fanoutGroup` for a
 * batch window). Receivers come from the subscription index, once each; a connection whose stream
 * of the topic is syncing (snapshot or replay in flight) gets the event in its buffer instead, and
 * a live one only past its position. Extras (the unread count) are computed once per user and each
 * distinct frame is serialised once.
 */
import type { Principal } from '../auth/principal.js';
import { CloseCode } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';
import { fanoutGroup } from './batcher.js';
import type { Connection } from './connection.js';
import type { EventFrames, Extras } from './frames.js';
import type { HubObserver } from './observer.js';
import type { TopicSources } from './sources.js';
import type { SubscriptionIndex } from './subscription-index.js';

export interface DeliveryDeps {
  readonly index: SubscriptionIndex<Connection>;
  readonly sources: TopicSources;
  readonly maxBufferedBytes: number;
  readonly observer: HubObserver | undefined;
  /** The event's frames, serialised once whichever path sends them (sync.ts keeps them). */
  framesOf(event: TopicEvent): EventFrames;
  close(conn: Connection, code: number, reason: string): void;
}

export interface Delivery {
  /** Queues a frame on the connection, or closes it (4009) when its send buffer is over the bound. */
  send(conn: Connection, frame: string | Buffer): void;
  sendJson(conn: Connection, message: object): void;
  /** One event to every receiver. */
  fanout(event: TopicEvent): Promise<void>;
  /** Events of one topic from one batch window: each receiver gets its share as one `batch` frame. */
  fanoutGroup(events: readonly TopicEvent[]): Promise<void>;
}

export function createDelivery(deps: DeliveryDeps): Delivery {
  const { index, sources, observer } = deps;

  function send(conn: Connection, frame: string | Buffer): void {
    if (conn.closed) return;
    if (conn.socket.bufferedAmount > deps.maxBufferedBytes) {
      observer?.slowConsumer();
      deps.close(conn, CloseCode.SLOW_CONSUMER, 'slow consumer: send buffer full; reconnect and resume');
      return;
    }
    conn.socket.send(frame);
    observer?.messageOut(frame.length);
  }

  /** Gives one event to one connection, respecting its stream state and position. */
  function offer(conn: Connection, event: TopicEvent, frame: Buffer): void {
    const stream = conn.streams.get(event.topic);
    if (stream === undefined || conn.closed) return;
    if (stream.mode === 'syncing') {
      stream.buffer.push(event);
      return;
    }
    if (event.offset <= stream.position) return;
    stream.position = event.offset;
    send(conn, frame);
  }

  async function extrasFor(event: TopicEvent, conn: Connection, cache: Map<string, Promise<Extras>>): Promise<Extras> {
    let extras = cache.get(conn.principal.id);
    if (extras === undefined) cache.set(conn.principal.id, (extras = sources.extras(event, conn.principal)));
    return extras;
  }

  /**
   * Per-receiver work is a stream lookup and a send: extras are computed once per distinct user,
   * and each distinct frame is encoded once.
   */
  async function fanout(event: TopicEvent): Promise<void> {
    const live: Connection[] = [];
    const users = new Map<string, Principal>();
    for (const conn of index.receivers(event)) {
      const stream = conn.streams.get(event.topic);
      if (stream === undefined) continue;
      if (stream.mode === 'syncing') stream.buffer.push(event);
      else {
        live.push(conn);
        if (!users.has(conn.principal.id)) users.set(conn.principal.id, conn.principal);
      }
    }
    if (live.length === 0) return;
    const frames = deps.framesOf(event);
    const frameByUser = new Map<string, Buffer>();
    await Promise.all([...users.values()].map(async (p) => frameByUser.set(p.id, frames.bytes(await sources.extras(event, p)))));
    // One user (or one frame for all): no lookup per receiver.
    const only = frameByUser.size === 1 ? (frameByUser.values().next().value as Buffer) : undefined;
    for (const conn of live) offer(conn, event, only ?? (frameByUser.get(conn.principal.id) as Buffer));
  }

  return {
    send,
    sendJson: (conn, message) => send(conn, JSON.stringify(message)),
    fanout,
    fanoutGroup: (events) =>
      events.length === 1
        ? fanout(events[0] as TopicEvent)
        : fanoutGroup({ receivers: (e) => index.receivers(e), extrasFor, send, framesOf: deps.framesOf }, events),
  };
}
