/**
 * Reads of a topic's state shared by every connection that asks the same question before the
 * topic moves: after a restart thousands of clients resume from the same few offsets, and one
 * user's many tabs (or a script's many sockets) load the same snapshot. A topic's entries are
 * dropped as soon as one of its events is delivered: a connection that starts syncing after an
 * event went by was not buffering it, so it must read again or miss it. A connection that started
 * earlier buffered that event and drops it if the shared read already had it.
 *
 * A read is also shared for at most `maxAgeMs` (whichever comes first), and every read is dropped
 * when the log is pruned (`pruned()`): an answer never describes a log older than that, so a resume
 * from before the retained log is `out_of_range` even when someone asked the same just before the
 * sweep, and an idle topic holds no pages in memory.
 */
export interface TopicReads {
  /** The pending or settled read for (topic, key), or a new one from `load`. */
  share<T>(topic: string, key: string, load: () => Promise<T>): Promise<T>;
  /**
   * Like `share`, for a read whose answer does not change when the topic moves (a page of events
   * that are already in the log): kept across `moved`, dropped with age and `pruned` only.
   */
  keep<T>(topic: string, key: string, load: () => Promise<T>): Promise<T>;
  /** An event of `topic` was delivered: forget its reads. */
  moved(topic: string): void;
  /** The log was pruned: forget every read. */
  pruned(): void;
}

interface Shelf {
  readonly reads: Map<string, Promise<unknown>>;
  readonly bornAt: number;
}

/** Shelves by topic, each let go `maxAgeMs` after it was started. */
function createShelves(maxAgeMs: number, now: () => number): { byTopic: Map<string, Shelf>; shelfOf(topic: string): Shelf } {
  const byTopic = new Map<string, Shelf>();
  const timers = new Map<string, NodeJS.Timeout>();

  /** Drops the topic's shelf once it is `maxAgeMs` old, so an idle topic's pages are let go. */
  function expire(topic: string, inMs: number): void {
    if (timers.has(topic)) return;
    const timer = setTimeout(() => {
      timers.delete(topic);
      const shelf = byTopic.get(topic);
      if (shelf === undefined) return;
      const age = now() - shelf.bornAt;
      if (age >= maxAgeMs) byTopic.delete(topic);
      else expire(topic, maxAgeMs - age);
    }, inMs);
    timer.unref();
    timers.set(topic, timer);
  }

  return {
    byTopic,
    shelfOf(topic) {
      let shelf = byTopic.get(topic);
      if (shelf === undefined || now() - shelf.bornAt >= maxAgeMs) {
        byTopic.set(topic, (shelf = { reads: new Map(), bornAt: now() }));
        expire(topic, maxAgeMs);
      }
      return shelf;
    },
  };
}

/** `maxKeptPerTopic` bounds the pages `keep` holds per topic (each up to a replay page of events). */
export function createTopicReads(maxPerTopic: number, maxAgeMs: number, maxKeptPerTopic: number, now: () => number = Date.now): TopicReads {
  const moving = createShelves(maxAgeMs, now);
  const lasting = createShelves(maxAgeMs, now);

  function onShelf<T>(entries: Map<string, Promise<unknown>>, max: number, key: string, load: () => Promise<T>): Promise<T> {
    const known = entries.get(key);
    if (known !== undefined) return known as Promise<T>;
    const read = load();
    entries.set(key, read);
    // A failed read is not shared: the next connection tries again.
    read.catch(() => {
      if (entries.get(key) === read) entries.delete(key);
    });
    if (entries.size > max) entries.delete(entries.keys().next().value as string);
    return read;
  }

  return {
    share: (topic, key, load) => onShelf(moving.shelfOf(topic).reads, maxPerTopic, key, load),
    keep: (topic, key, load) => onShelf(lasting.shelfOf(topic).reads, maxKeptPerTopic, key, load),
    moved(topic) {
      moving.byTopic.delete(topic);
    },
    pruned() {
      moving.byTopic.clear();
      lasting.byTopic.clear();
    },
  };
}
