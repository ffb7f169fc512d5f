/**
 * The recent events of each log topic, in memory: a ring of the last events this process delivered
 * (bounded by count and by frame bytes per topic), so that a client that was away a few seconds
 * resumes from memory, with no log read and no wait on the database. Every instance delivers every
 * event of every topic (the bus, the sequencer), so every instance's ring holds the same events and
 * a client may resume on any of them.
 *
 * The ring answers only for a contiguous range it holds entirely: events (after, head] where `head`
 * is the newest event delivered here. Anything else (older than the ring, ahead of this instance,
 * past the log's age limit, an empty ring) is left to the log, which answers as before. A gap in
 * the delivered offsets (the sequencer skipped what the log no longer held) starts the ring afresh.
 *
 * The ring holds its own copy of each event, so frames cached for the live fan-out (one per user's
 * extras) are not kept alive with it; replays from the ring cache at most `FRAME_VARIANTS` frames
 * per event for the receivers' extras (frames.ts).
 */
import type { TopicEvent } from '../store/types.js';
import { createEventFrames, type EventFrames } from './frames.js';

/** Per-receiver frames (distinct extras) a ring event caches for replays; more are built each time. */
const FRAME_VARIANTS = 8;

export interface RecentLimits {
  /** Events held per log topic, at most; 0 turns the ring off. */
  readonly maxEvents: number;
  /** Bytes of frames (without per-receiver extras) held per log topic, at most. */
  readonly maxBytes: number;
  /** Events older than this (by their `at`) are never served: the log's age limit. */
  readonly maxAgeMs: number;
}

/** What the ring holds for a resume: the missed events, oldest first, up to `head`. */
export interface RecentRange {
  readonly head: number;
  readonly events: readonly TopicEvent[];
}

export interface RecentEvents {
  /** Every delivered event, in offset order per topic (the hub's `deliver`). */
  add(event: TopicEvent): void;
  /** The newest offset of `topic` delivered here, when the ring holds every event after `after` up to it. */
  reach(topic: string, after: number): number | undefined;
  /** Events of `topic` after `after` up to the newest delivered, when the ring holds all of them. */
  since(topic: string, after: number): RecentRange | undefined;
  /** The frames of an event the ring holds (made on first use, shared by replays), else undefined. */
  framesOf(event: TopicEvent): EventFrames | undefined;
}

interface Entry {
  readonly event: TopicEvent;
  readonly bytes: number;
}

/** One topic's ring: a circular array of at most `capacity` entries. */
class Ring {
  private readonly slots: (Entry | undefined)[];
  private start = 0;
  count = 0;
  bytes = 0;

  constructor(private readonly capacity: number) {
    this.slots = new Array<Entry | undefined>(capacity);
  }

  at(i: number): Entry {
    return this.slots[(this.start + i) % this.capacity] as Entry;
  }

  push(entry: Entry): void {
    if (this.count === this.capacity) this.shift();
    this.slots[(this.start + this.count) % this.capacity] = entry;
    this.count += 1;
    this.bytes += entry.bytes;
  }

  shift(): void {
    const first = this.at(0);
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.count -= 1;
    this.bytes -= first.bytes;
  }

  clear(): void {
    while (this.count > 0) this.shift();
  }
}

/** `sizeOf`: the bytes of an event's frame (the hub's frame cache, which fan-out fills anyway). */
export function createRecentEvents(limits: RecentLimits, sizeOf: (event: TopicEvent) => number, now: () => number = Date.now): RecentEvents {
  const rings = new Map<string, Ring>();
  /** The ring's copies, with their frames once a replay asked for them. */
  const held = new WeakMap<TopicEvent, EventFrames | undefined>();
  const off = limits.maxEvents <= 0 || limits.maxBytes <= 0;

  function add(event: TopicEvent): void {
    if (off) return;
    let ring = rings.get(event.topic);
    if (ring === undefined) rings.set(event.topic, (ring = new Ring(limits.maxEvents)));
    if (ring.count > 0 && ring.at(ring.count - 1).event.offset + 1 !== event.offset) ring.clear();
    const copy: TopicEvent = { ...event };
    held.set(copy, undefined);
    ring.push({ event: copy, bytes: sizeOf(event) });
    // An event larger than the whole bound empties the ring: the next one starts it afresh.
    while (ring.count > 0 && ring.bytes > limits.maxBytes) ring.shift();
  }

  /** How many of the ring's oldest entries `after` skips, when the ring can answer from `after`. */
  function skipped(ring: Ring | undefined, after: number): number | undefined {
    if (ring === undefined || ring.count === 0) return undefined;
    const skip = after - (ring.at(0).event.offset - 1);
    if (skip < 0 || skip > ring.count) return undefined;
    // The log's age limit holds here too: the oldest event to send decides.
    if (skip < ring.count && Date.parse(ring.at(skip).event.at) < now() - limits.maxAgeMs) return undefined;
    return skip;
  }

  function reach(topic: string, after: number): number | undefined {
    const ring = rings.get(topic);
    return skipped(ring, after) === undefined ? undefined : (ring as Ring).at((ring as Ring).count - 1).event.offset;
  }

  function since(topic: string, after: number): RecentRange | undefined {
    const ring = rings.get(topic);
    const skip = skipped(ring, after);
    if (ring === undefined || skip === undefined) return undefined;
    const events = new Array<TopicEvent>(ring.count - skip);
    for (let i = skip; i < ring.count; i += 1) events[i - skip] = ring.at(i).event;
    return { head: ring.at(ring.count - 1).event.offset, events };
  }

  function framesOf(event: TopicEvent): EventFrames | undefined {
    if (!held.has(event)) return undefined;
    let frames = held.get(event);
    if (frames === undefined) held.set(event, (frames = createEventFrames(event, FRAME_VARIANTS)));
    return frames;
  }

  return { add, reach, since, framesOf };
}
