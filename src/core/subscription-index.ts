/**
 * The subscription index: subscription name → the connections subscribed to it, for every
 * fan-out path (live events, batches, ephemeral broadcasts). Like Socket.IO's in-memory adapter's
 * rooms, with our rule on top: an event reaches each connection at most once, whether it matches
 * by its topic (`jobs`), an entity key (`jobs:42`) or `all`, and only connections whose user is
 * in the event's audience. An entry is removed when its last connection leaves, so names that
 * clients made up cost nothing once they are gone.
 *
 * Which names a connection holds is the connection's own business (Connection.subscriptions);
 * the index holds the reverse direction only.
 */
import type { TopicEvent } from '../store/types.js';
import { audienceMatches } from './frames.js';
import { countByFamily, matchKeys, type SubscriptionCount } from './topics.js';

export interface SubscriptionIndex<C> {
  add(conn: C, name: string): void;
  /** Removes one subscription; the entry goes when it was the last. */
  remove(conn: C, name: string): void;
  /** Removes `conn` from each of `names` (a closing connection's subscriptions). */
  removeAll(conn: C, names: Iterable<string>): void;
  /**
   * Every connection that may receive `event`, each once: subscribed by topic, key or `all`, and
   * in the audience. When one subscriber set matches and the event has no audience, that set itself.
   */
  receivers(event: TopicEvent): Iterable<C>;
  /** The connections of one subscription name and of `all`, each once (ephemeral broadcasts). */
  subscribersWithAll(name: string): ReadonlySet<C>;
  /** Counts per topic family (`jobs:42` counts under `jobs`): bounded by the families, never by entity ids. */
  countsByFamily(): ReadonlyMap<string, SubscriptionCount>;
  /** Names with at least one subscriber. */
  readonly size: number;
}

/** `userOf` names a connection's user, for the audience check. */
export function createSubscriptionIndex<C>(userOf: (conn: C) => string, allName = 'all'): SubscriptionIndex<C> {
  const byName = new Map<string, Set<C>>();

  function remove(conn: C, name: string): void {
    const set = byName.get(name);
    if (set === undefined) return;
    set.delete(conn);
    if (set.size === 0) byName.delete(name);
  }

  return {
    add(conn, name) {
      let set = byName.get(name);
      if (set === undefined) byName.set(name, (set = new Set()));
      set.add(conn);
    },
    remove,
    removeAll(conn, names) {
      for (const name of names) remove(conn, name);
    },
    receivers(event) {
      const sets: Set<C>[] = [];
      for (const key of matchKeys(event)) {
        const set = byName.get(key);
        if (set !== undefined) sets.push(set);
      }
      const only = sets.length === 1 ? sets[0] : undefined;
      if (only !== undefined && event.audience === null) return only;
      const result = new Set<C>();
      for (const set of sets) for (const conn of set) if (audienceMatches(event, userOf(conn))) result.add(conn);
      return result;
    },
    subscribersWithAll(name) {
      return new Set([...(byName.get(name) ?? []), ...(name === allName ? [] : (byName.get(allName) ?? []))]);
    },
    countsByFamily() {
      return countByFamily(byName);
    },
    get size() {
      return byName.size;
    },
  };
}
