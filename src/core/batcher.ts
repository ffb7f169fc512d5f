/**
 * Groups bursts of events per topic. The first event of a topic opens a window of `windowMs`; every
 * event of that topic arriving within it joins the group, which is handed to `flush` (in offset
 * order) when the window closes or the group reaches `maxEvents`. Different topics never share a
 * group. The hub then sends each connection its share of a group as one `batch` frame.
 */
import type { TopicEvent } from '../store/types.js';
import type { Connection } from './connection.js';
import type { EventFrames, Extras } from './frames.js';

export interface BatcherOptions {
  readonly windowMs: number;
  readonly maxEvents: number;
  readonly flush: (events: readonly TopicEvent[]) => void;
}

export interface Batcher {
  add(event: TopicEvent): void;
  /** Drops every open group and its timer (shutdown). */
  close(): void;
}

export function createBatcher(options: BatcherOptions): Batcher {
  const groups = new Map<string, { events: TopicEvent[]; timer: NodeJS.Timeout }>();

  function flush(topic: string): void {
    const group = groups.get(topic);
    if (group === undefined) return;
    groups.delete(topic);
    clearTimeout(group.timer);
    options.flush(group.events);
  }

  return {
    add(event) {
      let group = groups.get(event.topic);
      if (group === undefined) {
        group = { events: [], timer: setTimeout(() => flush(event.topic), options.windowMs) };
        groups.set(event.topic, group);
      }
      group.events.push(event);
      if (group.events.length >= options.maxEvents) flush(event.topic);
    },
    close() {
      for (const group of groups.values()) clearTimeout(group.timer);
      groups.clear();
    },
  };
}

/** The `batch` frame: the receivers' event frames, in order, serialised once per distinct list. */
export function batchFrame(topic: string, frames: readonly string[]): string {
  return `{"type":"batch","topic":${JSON.stringify(topic)},"messages":[${frames.join(',')}]}`;
}

/** What group fan-out needs from the hub. */
export interface GroupFanoutDeps {
  /** Connections that may receive the event (subscription, entity keys, `all`, audience), each once. */
  receivers(event: TopicEvent): Iterable<Connection>;
  extrasFor(event: TopicEvent, conn: Connection, cache: Map<string, Promise<Extras>>): Promise<Extras>;
  send(conn: Connection, frame: string | Buffer): void;
  /** The event's frames, serialised once (shared with single-event fan-out, flush and replay). */
  framesOf(event: TopicEvent): EventFrames;
}

function memo<K, V>(make: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = make(key)));
    return value;
  };
}

/**
 * Fans out a group of events of one topic. Each connection gets the events it would have received
 * one by one (buffered instead while its stream is syncing; those at or below its position
 * dropped), as one `batch` frame, or as the plain frame when its share is one event. A batch is
 * serialised once per distinct list of events and receiver extras.
 */
export async function fanoutGroup(deps: GroupFanoutDeps, events: readonly TopicEvent[]): Promise<void> {
  const topic = (events[0] as TopicEvent).topic;
  const shares = new Map<Connection, TopicEvent[]>();
  for (const event of events) {
    for (const conn of deps.receivers(event)) {
      const stream = conn.streams.get(topic);
      if (stream?.mode === 'syncing') stream.buffer.push(event);
      else if (stream !== undefined) {
        const share = shares.get(conn);
        if (share === undefined) shares.set(conn, [event]);
        else share.push(event);
      }
    }
  }
  if (shares.size === 0) return;
  const cacheOf = memo<TopicEvent, Map<string, Promise<Extras>>>(() => new Map());
  const resolved = await Promise.all(
    [...shares].map(async ([conn, share]) => ({ conn, share, extras: await Promise.all(share.map((e) => deps.extrasFor(e, conn, cacheOf(e)))) })),
  );
  const batches = new Map<string, Buffer>();
  for (const { conn, share, extras } of resolved) {
    const stream = conn.streams.get(topic);
    if (stream === undefined || conn.closed) continue;
    if (stream.mode === 'syncing') {
      stream.buffer.push(...share);
      continue;
    }
    const picked: string[] = [];
    const keys: string[] = [];
    share.forEach((event, i) => {
      if (event.offset <= stream.position) return;
      picked.push(deps.framesOf(event).frame(extras[i]));
      keys.push(extras[i] === undefined ? String(event.offset) : `${event.offset}${JSON.stringify(extras[i])}`);
    });
    if (picked.length === 0) continue;
    stream.position = Math.max(stream.position, (share[share.length - 1] as TopicEvent).offset);
    if (picked.length === 1) {
      deps.send(conn, picked[0] as string);
      continue;
    }
    const key = keys.join('|');
    let frame = batches.get(key);
    if (frame === undefined) batches.set(key, (frame = Buffer.from(batchFrame(topic, picked))));
    deps.send(conn, frame);
  }
}
