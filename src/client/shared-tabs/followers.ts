/**
 * The leader's record of its follower tabs and the topics each asked for, within the bounds:
 * at most `maxFollowers` tabs and `maxTopicsPerTab` topics each.
 */
import type { ResolvedShareLimits } from './wire.js';

export interface Followers {
  /** Every topic some follower asked for. */
  topics(): string[];
  /**
   * A tab (re)joins with its topics: the topics it needs snapshots of (all of them when it holds
   * no state yet, none otherwise), or null when there is no room for it.
   */
  join(tab: string, topics: readonly string[], fresh: boolean): readonly string[] | null;
  /** A tab adds or drops topics: those it added (they need snapshots). */
  change(tab: string, topics: readonly string[], add: boolean): readonly string[];
  /** True when the tab was a follower. */
  leave(tab: string): boolean;
}

export function createFollowers(limits: Pick<ResolvedShareLimits, 'maxFollowers' | 'maxTopicsPerTab'>): Followers {
  const byTab = new Map<string, Set<string>>();
  return {
    topics: () => [...byTab.values()].flatMap((s) => [...s]),
    join(tab, topics, fresh) {
      if (!byTab.has(tab) && byTab.size >= limits.maxFollowers) return null;
      const kept = topics.slice(0, limits.maxTopicsPerTab);
      byTab.set(tab, new Set(kept));
      return fresh ? kept : [];
    },
    change(tab, topics, add) {
      let mine = byTab.get(tab);
      // A request from a tab the leader has not heard join (it joined an earlier leader).
      if (mine === undefined) byTab.set(tab, (mine = new Set()));
      const asked = topics.filter((t) => mine.has(t) !== add);
      const added: string[] = [];
      for (const t of asked) {
        if (!add) mine.delete(t);
        else if (mine.size < limits.maxTopicsPerTab) {
          mine.add(t);
          added.push(t);
        }
      }
      return added;
    },
    leave: (tab) => byTab.delete(tab),
  };
}
