/**
 * Bringing one connection's stream up to date before it goes live: a snapshot (`initial_state`)
 * or a replay of what it missed (`resumed`), then the events buffered meanwhile. Log reads and
 * snapshots are shared between connections until their topic moves (topic-reads.ts), and every
 * event is serialised once, whichever fan-out, flush or replay sends it.
 */
import { type Position } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';
import { live, syncing, type Connection, type Stream } from './connection.js';
import { audienceMatches, createEventFrames, type EventFrames, type Extras } from './frames.js';
import type { HubObserver } from './observer.js';
import type { TopicSources } from './sources.js';
import { createTopicReads } from './topic-reads.js';
import { snapshotScope, subscribedTo } from './topics.js';

/** Distinct reads (resume offsets, users' snapshots) shared per topic between two of its events. */
const MAX_SHARED_READS = 256;
/** Events per log read while replaying. */
const PAGE = 1000;

export interface SyncDeps {
  readonly sources: TopicSources;
  /** Most events a resume may replay per topic before it answers `recovered: false` instead. */
  readonly maxReplay: number;
  readonly observer: HubObserver | undefined;
  send(conn: Connection, frame: string | Buffer): void;
  sendJson(conn: Connection, message: object): void;
}

export interface Sync {
  /** Sends one `initial_state` with snapshots of `logTopics`, then flushes their buffers. */
  snapshots(conn: Connection, logTopics: readonly string[]): Promise<void>;
  /** Replays what a client missed on one topic, or falls back to a snapshot (`recovered: false`). */
  resume(conn: Connection, logTopic: string, from: Position): Promise<void>;
  /** The event's frames, serialised once. */
  framesOf(event: TopicEvent): EventFrames;
  /** An event of `topic` was delivered: shared reads of it are out of date. */
  moved(topic: string): void;
}

export function createSync(deps: SyncDeps): Sync {
  const { sources, observer, send, sendJson } = deps;
  const reads = createTopicReads(MAX_SHARED_READS);
  const eventFrames = new WeakMap<TopicEvent, EventFrames>();

  function framesOf(event: TopicEvent): EventFrames {
    let frames = eventFrames.get(event);
    if (frames === undefined) eventFrames.set(event, (frames = createEventFrames(event)));
    return frames;
  }

  function extrasFor(event: TopicEvent, conn: Connection): Promise<Extras> {
    return sources.extras(event, conn.principal);
  }

  /** Sends buffered events past the stream's position, then marks it live. */
  async function flush(conn: Connection, stream: Stream): Promise<void> {
    while (stream.buffer.length > 0) {
      const event = stream.buffer.shift() as TopicEvent;
      if (event.offset <= stream.position) continue;
      const extras = await extrasFor(event, conn);
      if (conn.closed) return;
      stream.position = event.offset;
      send(conn, framesOf(event).frame(extras));
    }
    live(stream);
  }

  async function snapshots(conn: Connection, logTopics: readonly string[]): Promise<void> {
    const snaps = await Promise.all(
      logTopics.map((t) => {
        const scope = snapshotScope(conn.subscriptions, t);
        const key = scope === undefined ? `snapshot ${conn.principal.id}` : `snapshot ${conn.principal.id} ${scope.join(',')}`;
        return reads.share(t, key, () => sources.snapshot(t, conn.principal, scope));
      }),
    );
    if (conn.closed) return;
    const data: Record<string, unknown> = {};
    const positions: Record<string, Position> = {};
    snaps.forEach((snap, i) => {
      Object.assign(data, snap.data);
      positions[logTopics[i] as string] = snap.position;
    });
    sendJson(conn, { type: 'initial_state', data, positions });
    for (const [i, topic] of logTopics.entries()) {
      const stream = conn.streams.get(topic);
      if (stream === undefined) continue;
      stream.position = (snaps[i] as (typeof snaps)[number]).position.offset;
      await flush(conn, stream);
    }
  }

  /** What `conn` missed on `logTopic` since `from`, or why it cannot be replayed. */
  async function missed(conn: Connection, logTopic: string, from: Position): Promise<{ replay: TopicEvent[]; head: number; reason?: string }> {
    const replay: TopicEvent[] = [];
    if (from.epoch !== sources.epoch) return { replay, head: from.offset, reason: 'epoch_changed' };
    let head = from.offset;
    let after = from.offset;
    for (;;) {
      const at = after;
      const range = await reads.share(logTopic, `after ${at}`, () => sources.eventsAfter(logTopic, at, PAGE));
      if (after === from.offset && (range.floor > from.offset || from.offset > range.head)) return { replay, head, reason: 'out_of_range' };
      head = Math.max(head, range.head);
      // Only what the connection's subscriptions match: one on `jobs:42` alone replays that job.
      for (const e of range.events) if (audienceMatches(e, conn.principal.id) && subscribedTo(conn.subscriptions, e)) replay.push(e);
      const last = range.events[range.events.length - 1];
      if (last === undefined || last.offset >= range.head) return { replay, head };
      after = last.offset;
      if (after - from.offset >= deps.maxReplay) return { replay, head, reason: 'too_far_behind' };
    }
  }

  async function resume(conn: Connection, logTopic: string, from: Position): Promise<void> {
    const stream = conn.streams.get(logTopic);
    if (stream === undefined) return;
    // Events arriving while the log is read wait in the buffer; the client drops any it already has.
    syncing(stream);
    const { replay, head, reason } = await missed(conn, logTopic, from);
    if (conn.closed) return;
    if (reason !== undefined) {
      observer?.resumed(false);
      sendJson(conn, { type: 'resumed', topic: logTopic, recovered: false, replayed: 0, position: from, reason });
      await snapshots(conn, [logTopic]);
      return;
    }
    observer?.resumed(true);
    sendJson(conn, { type: 'resumed', topic: logTopic, recovered: true, replayed: replay.length, position: { offset: head, epoch: sources.epoch } });
    stream.position = from.offset;
    for (const event of replay) {
      const extras = await extrasFor(event, conn);
      if (conn.closed) return;
      stream.position = event.offset;
      send(conn, framesOf(event).frame(extras));
    }
    stream.position = Math.max(stream.position, head);
    await flush(conn, stream);
  }

  return { snapshots, resume, framesOf, moved: (topic) => reads.moved(topic) };
}
