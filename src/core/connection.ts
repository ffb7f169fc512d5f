/**
 * One client connection as the core sees it, owning its delivery: what it is subscribed to, its
 * streams (position, and a buffer while a snapshot or replay is in flight), its queue of sync work
 * and its sends, with the slow-consumer bound. Fan-out (delivery.ts) finds receivers in the
 * subscription index and hands each its share; the connection decides what of it to send.
 */
import type { Principal } from '../auth/principal.js';
import { CloseCode, type ErrorMessage } from '../protocol/index.js';
import type { Logger } from '../shared/logger.js';
import type { TopicEvent } from '../store/types.js';
import type { LocalBudget } from './budget.js';
import type { ConnectionMeta } from './connection-info.js';
import type { ShareFrames } from './frames.js';
import type { HubObserver } from './observer.js';
import type { HubSocket } from './socket.js';
import type { ReceiverFilters } from './sources.js';
import { Streams, Subscriptions, syncing, syncingStream, type Stream } from './streams.js';
import type { SubscriptionIndex } from './subscription-index.js';

/** What every connection of a hub shares (one object per hub, so each connection holds one pointer). */
export interface ConnectionContext {
  readonly index: SubscriptionIndex<Connection>;
  /** A frame is refused (and the connection closed 4009) while more than this is queued unsent. */
  readonly maxBufferedBytes: number;
  readonly observer: HubObserver | undefined;
  readonly logger: Logger;
  /** The connection is gone, closed by either side: the hub lets go of it. */
  forget(conn: Connection, code: number): void;
}

const NOTHING: readonly TopicEvent[] = Object.freeze([]);

export class Connection implements LocalBudget {
  readonly subscriptions = new Subscriptions();
  readonly streams = new Streams();
  /** Snapshot and resume work, run one after another so their frames never interleave; undefined when idle. */
  private sync: Promise<void> | undefined = undefined;
  /** Tasks in the sync queue not yet finished (the running one included). */
  queued = 0;
  /** The connection's cost budget (core/budget.ts). */
  budgetSpent = 0;
  budgetWindowEnd = 0;
  closed = false;
  /** What the admin API lists (connection-info.ts): when it attached and what went each way. */
  readonly sinceMs = Date.now();
  messagesIn = 0;
  framesOut = 0;
  bytesOut = 0;
  /** The filters it counts (a `subscribe` option), or undefined for the defaults. */
  filters: ReceiverFilters | undefined = undefined;
  /** Receivers with equal keys get equal extras: the user id, and the filters' key when it named any. */
  extrasKey: string;

  constructor(
    readonly id: string,
    /** Replaced only by `AttachedConnection.rebind` (same user id). */
    public principal: Principal,
    readonly socket: HubSocket,
    private readonly ctx: ConnectionContext,
    readonly meta?: ConnectionMeta,
  ) {
    this.extrasKey = principal.id;
  }

  setFilters(filters: ReceiverFilters | undefined): void {
    this.filters = filters;
    this.extrasKey = filters === undefined ? this.principal.id : `${this.principal.id}\n${filters.key}`;
  }

  /** Queues a frame, or closes the connection (4009) when its send buffer is over the bound. */
  send(frame: string | Buffer): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.ctx.maxBufferedBytes) {
      this.ctx.observer?.slowConsumer();
      this.close(CloseCode.SLOW_CONSUMER, 'slow consumer: send buffer full; reconnect and resume');
      return;
    }
    this.socket.send(frame);
    this.framesOut += 1;
    this.bytesOut += frame.length;
    this.ctx.observer?.messageOut(frame.length);
  }

  sendJson(message: object): void {
    this.send(JSON.stringify(message));
  }

  /** An `error` frame; `ref` names the request it answers. */
  sendError(code: ErrorMessage['code'], message: string, ref?: string, retryAfterMs?: number): void {
    const error: ErrorMessage = {
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }),
    };
    this.sendJson(error);
  }

  /** Closes the socket and lets go of the connection. Idempotent. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.close(code, reason);
    this.ended(code);
  }

  /** The socket closed (or is being closed): subscriptions and streams go, names included. */
  ended(code: number): void {
    if (this.closed) return;
    this.closed = true;
    // Empty index entries go too: names are client-chosen, so a kept empty set is a leak per name.
    this.ctx.index.removeAll(this, this.subscriptions);
    this.streams.clear();
    this.ctx.forget(this, code);
  }

  subscribe(name: string): void {
    this.subscriptions.add(name);
    this.ctx.index.add(this, name);
  }

  unsubscribe(name: string): void {
    this.subscriptions.delete(name);
    this.ctx.index.remove(this, name);
  }

  /**
   * A new syncing stream of `logTopic`, or undefined when the connection has one; with `resync`,
   * an existing stream goes back to syncing (its snapshot is about to be replaced) and is returned.
   */
  startStream(logTopic: string, resync = false): Stream | undefined {
    const existing = this.streams.get(logTopic);
    if (existing !== undefined) {
      if (resync) syncing(existing);
      return resync ? existing : undefined;
    }
    const stream = syncingStream(logTopic);
    this.streams.add(stream);
    return stream;
  }

  /** Queues snapshot/resume work behind any already queued; a failure closes the connection (1011). */
  run(task: () => Promise<void>): void {
    this.queued += 1;
    const next: Promise<void> = (this.sync ?? Promise.resolve())
      .then(() => (this.closed ? undefined : task()))
      .catch((err: unknown) => {
        this.ctx.logger.error({ err, clientId: this.id }, 'WebSocket sync failed');
        this.close(CloseCode.INTERNAL_ERROR, 'internal error; reconnect and resume');
      })
      .finally(() => {
        this.queued -= 1;
        if (this.sync === next) this.sync = undefined;
      });
    this.sync = next;
  }

  /**
   * Fan-out's first question: does this live connection take `event` now? A syncing stream keeps
   * it in its buffer (its catch-up sends it) and says no, as does a connection without the stream.
   */
  takesLive(event: TopicEvent): boolean {
    const stream = this.streams.get(event.topic);
    if (stream === undefined || this.closed) return false;
    if (stream.mode === 'live') return true;
    stream.buffer.push(event);
    return false;
  }

  /**
   * Sends its share of fanned-out events (one topic, offset order) past its position as one frame:
   * the event's own, or a `batch` of several. Buffered instead when the stream went back to syncing
   * meanwhile (a resume arrived while extras were being computed).
   */
  deliver(share: readonly TopicEvent[], frames: ShareFrames): void {
    const stream = this.closed ? undefined : this.streams.get((share[0] as TopicEvent).topic);
    if (stream === undefined) return;
    if (stream.mode === 'syncing') {
      for (const event of share) stream.buffer.push(event);
      return;
    }
    const position = stream.position;
    const picked = share.length === 1 ? ((share[0] as TopicEvent).offset > position ? share : NOTHING) : share.filter((e) => e.offset > position);
    if (picked.length === 0) return;
    stream.position = (picked[picked.length - 1] as TopicEvent).offset;
    this.send(frames.of(picked));
  }
}
