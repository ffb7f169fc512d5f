/**
 * Groups bursts of events per topic. The first event of a topic opens a window of `windowMs`; every
 * event of that topic arriving within it joins the group, which is handed to `flush` (in offset
 * order) when the window closes or the group reaches `maxEvents`. Different topics never share a
 * group. Fan-out (delivery.ts) then sends each connection its share of a group as one `batch` frame.
 */
import type { TopicEvent } from '../store/types.js';

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
