/**
 * Reads of a topic's state shared by every connection that asks the same question before the
 * topic moves: after a restart thousands of clients resume from the same few offsets, and one
 * user's many tabs (or a script's many sockets) load the same snapshot. A topic's entries are
 * dropped as soon as one of its events is delivered: a connection that starts syncing after an
 * event went by was not buffering it, so it must read again or miss it. A connection that started
 * earlier buffered that event and drops it if the shared read already had it.
 */
export interface TopicReads {
  /** The pending or settled read for (topic, key), or a new one from `load`. */
  share<T>(topic: string, key: string, load: () => Promise<T>): Promise<T>;
  /** An event of `topic` was delivered: forget its reads. */
  moved(topic: string): void;
}

export function createTopicReads(maxPerTopic: number): TopicReads {
  const byTopic = new Map<string, Map<string, Promise<unknown>>>();
  return {
    share<T>(topic: string, key: string, load: () => Promise<T>): Promise<T> {
      let reads = byTopic.get(topic);
      if (reads === undefined) byTopic.set(topic, (reads = new Map<string, Promise<unknown>>()));
      const known = reads.get(key);
      if (known !== undefined) return known as Promise<T>;
      const read = load();
      const entries = reads;
      entries.set(key, read);
      // A failed read is not shared: the next connection tries again.
      read.catch(() => {
        if (entries.get(key) === read) entries.delete(key);
      });
      if (entries.size > maxPerTopic) entries.delete(entries.keys().next().value as string);
      return read;
    },
    moved(topic) {
      byTopic.delete(topic);
    },
  };
}
