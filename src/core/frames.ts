/** Serialisation of outgoing frames. An event's payload is serialised once, however many receive it. */
import type { TopicEvent } from '../store/types.js';

/** Extra top-level fields for one receiver (e.g. `unread_count`). */
export type Extras = Readonly<Record<string, unknown>> | undefined;

export interface EventFrames {
  /** The frame for a receiver with these extras; cached per distinct extras. */
  frame(extras: Extras): string;
  /** The same frame UTF-8 encoded once, to be shared by every receiver with these extras. */
  bytes(extras: Extras): Buffer;
}

export function createEventFrames(event: TopicEvent): EventFrames {
  const head = `{"type":${JSON.stringify(event.type)},"action":${JSON.stringify(event.action)},"data":${JSON.stringify(event.data)}`;
  const tail = `,"topic":${JSON.stringify(event.topic)},"offset":${event.offset}}`;
  const cache = new Map<string, string>();
  const encoded = new Map<string, Buffer>();
  let plain: Buffer | undefined;
  return {
    bytes(extras) {
      if (extras === undefined) return (plain ??= Buffer.from(head + tail));
      const key = JSON.stringify(extras);
      let buffer = encoded.get(key);
      if (buffer === undefined) encoded.set(key, (buffer = Buffer.from(this.frame(extras))));
      return buffer;
    },
    frame(extras) {
      if (extras === undefined) return head + tail;
      const middle = JSON.stringify(extras);
      let frame = cache.get(middle);
      if (frame === undefined) {
        frame = middle === '{}' ? head + tail : `${head},${middle.slice(1, -1)}${tail}`;
        cache.set(middle, frame);
      }
      return frame;
    },
  };
}

/** True when the event is for this receiver's user (or for everyone). */
export function audienceMatches(event: TopicEvent, userId: string): boolean {
  return event.audience === null || event.audience === userId;
}
