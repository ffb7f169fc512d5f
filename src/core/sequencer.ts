/**
 * Puts events back in offset order per topic before the hub sees them. Duplicates are dropped; a
 * gap that does not fill by itself within `gapTimeoutMs` is filled from the event log, so a lost
 * bus message delays delivery but never loses it.
 */
import type { TopicEvent } from '../store/types.js';
import type { Logger } from '../shared/logger.js';

export interface SequencerOptions {
  /** Newest offset per topic already committed when the sequencer starts. */
  readonly heads: ReadonlyMap<string, number>;
  /** Events of `topic` with offsets in (after, upto], oldest first. */
  readonly fetch: (topic: string, after: number, upto: number) => Promise<readonly TopicEvent[]>;
  readonly deliver: (event: TopicEvent) => void;
  readonly gapTimeoutMs: number;
  readonly logger: Logger;
}

export interface Sequencer {
  accept(event: TopicEvent): void;
  /** The last offset delivered per topic. */
  position(topic: string): number;
  close(): void;
}

interface TopicState {
  last: number;
  pending: Map<number, TopicEvent>;
  timer: NodeJS.Timeout | undefined;
}

export function createSequencer(options: SequencerOptions): Sequencer {
  const topics = new Map<string, TopicState>();
  let closed = false;

  function state(topic: string): TopicState {
    let s = topics.get(topic);
    if (s === undefined) topics.set(topic, (s = { last: options.heads.get(topic) ?? 0, pending: new Map(), timer: undefined }));
    return s;
  }

  function drain(s: TopicState): void {
    for (let next = s.pending.get(s.last + 1); next !== undefined; next = s.pending.get(s.last + 1)) {
      s.pending.delete(next.offset);
      s.last = next.offset;
      options.deliver(next);
    }
    if (s.pending.size === 0 && s.timer !== undefined) {
      clearTimeout(s.timer);
      s.timer = undefined;
    }
  }

  async function fillGap(topic: string, s: TopicState): Promise<void> {
    s.timer = undefined;
    if (closed || s.pending.size === 0) return;
    const upto = Math.min(...s.pending.keys()) - 1;
    const missing = await options.fetch(topic, s.last, upto);
    for (const event of missing) if (event.offset > s.last && !s.pending.has(event.offset)) s.pending.set(event.offset, event);
    if (!s.pending.has(s.last + 1) && s.last < upto) {
      options.logger.warn({ topic, from: s.last + 1, to: upto }, 'event log no longer holds a gap; skipping ahead');
      s.last = upto;
    }
    drain(s);
  }

  function accept(event: TopicEvent): void {
    if (closed) return;
    const s = state(event.topic);
    if (event.offset <= s.last || s.pending.has(event.offset)) return;
    s.pending.set(event.offset, event);
    drain(s);
    if (s.pending.size > 0 && s.timer === undefined) {
      s.timer = setTimeout(() => {
        fillGap(event.topic, s).catch((err: unknown) => {
          options.logger.error({ err, topic: event.topic }, 'gap fill failed; retrying');
          if (s.timer === undefined && !closed) s.timer = setTimeout(() => void fillGap(event.topic, s).catch(() => undefined), options.gapTimeoutMs);
        });
      }, options.gapTimeoutMs);
    }
  }

  return {
    accept,
    position: (topic) => state(topic).last,
    close() {
      closed = true;
      for (const s of topics.values()) if (s.timer !== undefined) clearTimeout(s.timer);
    },
  };
}
