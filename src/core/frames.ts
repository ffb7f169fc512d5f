/** Serialisation of outgoing frames. An event's payload is serialised once, however many receive it. */
import type { TopicEvent } from '../store/types.js';

/** Extra top-level fields for one receiver (e.g. `unread_count`). */
export type Extras = Readonly<Record<string, unknown>> | undefined;

export interface EventFrames {
  /** The frame for a receiver with these extras; cached per distinct extras. */
  frame(extras: Extras): string;
  /** The same frame UTF-8 encoded once, to be shared by every receiver with these extras. */
  bytes(extras: Extras): Buffer;
  /** Characters of the frame without extras (its size in bytes for ASCII text). */
  readonly size: number;
}

/**
 * The JSON of the extras last serialised, kept by identity: extras are never changed once made,
 * and a catch-up hands the same object for each of its frames (topic-sources.ts), so it is
 * serialised once per catch-up rather than once per frame.
 */
let lastExtras: Extras;
let lastMiddle = '';
function middleOf(extras: NonNullable<Extras>): string {
  if (extras !== lastExtras) {
    lastMiddle = JSON.stringify(extras);
    lastExtras = extras;
  }
  return lastMiddle;
}

/**
 * `maxVariants` bounds the distinct extras whose frames are kept (beyond it a frame is built on
 * every call): unbounded for the live fan-out, whose events live briefly; bounded for events kept
 * long (recent.ts).
 */
export function createEventFrames(event: TopicEvent, maxVariants = Infinity): EventFrames {
  const head = `{"type":${JSON.stringify(event.type)},"action":${JSON.stringify(event.action)},"data":${JSON.stringify(event.data)}`;
  const tail = `,"topic":${JSON.stringify(event.topic)},"offset":${event.offset}}`;
  const cache = new Map<string, string>();
  const encoded = new Map<string, Buffer>();
  let plain: Buffer | undefined;
  /** The frame with the extras' fields (`middle`, their JSON) between the event's and the position. */
  const compose = (middle: string): string => (middle === '{}' ? head + tail : `${head},${middle.slice(1, -1)}${tail}`);
  return {
    size: head.length + tail.length,
    bytes(extras) {
      if (extras === undefined) return (plain ??= Buffer.from(head + tail));
      // Keyed by the extras' JSON, made once; the text is not kept beside the bytes (an event kept
      // in the ring would hold both, in the old generation, for every variant).
      const middle = middleOf(extras);
      let buffer = encoded.get(middle);
      if (buffer === undefined) {
        buffer = Buffer.from(compose(middle));
        if (encoded.size < maxVariants) encoded.set(middle, buffer);
      }
      return buffer;
    },
    frame(extras) {
      if (extras === undefined) return head + tail;
      const middle = middleOf(extras);
      let frame = cache.get(middle);
      if (frame === undefined) {
        frame = compose(middle);
        if (cache.size < maxVariants) cache.set(middle, frame);
      }
      return frame;
    },
  };
}

/** True when the event is for this receiver's user (or for everyone). */
export function audienceMatches(event: TopicEvent, userId: string): boolean {
  return event.audience === null || event.audience === userId;
}

/** The `batch` frame: the receivers' event frames, in order. */
export function batchFrame(topic: string, frames: readonly string[]): string {
  return `{"type":"batch","topic":${JSON.stringify(topic)},"messages":[${frames.join(',')}]}`;
}

/** The frames for one receiver's share of fanned-out events, built once per distinct share. */
export interface ShareFrames {
  /**
   * One event: its own frame. Several (one topic, offset order): one `batch` frame when the share
   * frames batch (a batch window), else each event's own frame, in order, to be sent together.
   */
  of(events: readonly TopicEvent[]): Buffer | readonly Buffer[];
}

/**
 * Frames for every receiver whose extras are `extrasOf(event)`: receivers with the same extras
 * (one user's connections, or everyone when an event has none) share one ShareFrames, so each
 * distinct frame is serialised and encoded once, and each distinct share's list of frames is made
 * once (by identity for the share most receivers have, the whole group, else by its offsets).
 */
export function createShareFrames(framesOf: (event: TopicEvent) => EventFrames, extrasOf: (event: TopicEvent) => Extras, batch = false): ShareFrames {
  // The last single frame asked for: a one-event fan-out asks for the same one per receiver.
  let lastEvent: TopicEvent | undefined;
  let lastFrame: Buffer = Buffer.alloc(0);
  let lastShare: readonly TopicEvent[] | undefined;
  let lastShareFrames: Buffer | readonly Buffer[] = [];
  let byOffsets: Map<string, Buffer | readonly Buffer[]> | undefined;

  function several(events: readonly TopicEvent[]): Buffer | readonly Buffer[] {
    if (!batch) return events.map((e) => framesOf(e).bytes(extrasOf(e)));
    const topic = (events[0] as TopicEvent).topic;
    return Buffer.from(
      batchFrame(
        topic,
        events.map((e) => framesOf(e).frame(extrasOf(e))),
      ),
    );
  }

  return {
    of(events) {
      if (events.length === 1) {
        const event = events[0] as TopicEvent;
        if (event !== lastEvent) {
          lastFrame = framesOf(event).bytes(extrasOf(event));
          lastEvent = event;
        }
        return lastFrame;
      }
      if (events === lastShare) return lastShareFrames;
      const key = events.map((e) => e.offset).join(',');
      byOffsets ??= new Map();
      let frames = byOffsets.get(key);
      if (frames === undefined) byOffsets.set(key, (frames = several(events)));
      lastShare = events;
      lastShareFrames = frames;
      return frames;
    },
  };
}

/** Each event's frames, made on first use and kept while the event is (fan-out, flush and replay share them). */
export function createFrameCache(): (event: TopicEvent) => EventFrames {
  const frames = new WeakMap<TopicEvent, EventFrames>();
  return (event) => {
    let found = frames.get(event);
    if (found === undefined) frames.set(event, (found = createEventFrames(event)));
    return found;
  };
}
