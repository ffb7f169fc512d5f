/**
 * The cluster's presence, merged: each instance (origin) holds how many connections each user has
 * on each topic; a member of a topic is a user with connections there on any origin. Changes come
 * as deltas and as whole-origin replacements (heartbeats), each stamped with the origin's sequence
 * number, so a message that arrives late (PostgreSQL NOTIFYs from a pool are not ordered) never
 * undoes a newer one. Every change of the merged view goes to the sink as `join`, `update` or `leave`.
 */
import type { PresenceList, PresenceSink } from '../core/index.js';

/** One user's connections on one topic at one origin: `[topic, user id, name, connections]`. */
export type PresenceEntry = readonly [topic: string, userId: string, name: string, count: number];

interface Held {
  readonly name: string;
  readonly count: number;
  readonly seq: number;
}

interface Origin {
  /** `topic\u0000user` → what the origin last said. */
  readonly entries: Map<string, Held>;
  /** Keys removed by a delta since the last replacement, with the delta's seq. */
  readonly removed: Map<string, number>;
  /** Deltas at or below this seq are older than the last replacement. */
  floor: number;
  maxSeq: number;
}

export interface PresenceState {
  /** The origin says the user has `count` connections on `topic` (0: none) as of `seq`. */
  apply(origin: string, entry: PresenceEntry, seq: number): void;
  /** The origin's whole membership as of `seq` (a heartbeat); ignored when a newer delta was applied. */
  replace(origin: string, entries: readonly PresenceEntry[], seq: number): void;
  /** The origin is gone: its members leave (those with connections elsewhere stay). */
  drop(origin: string): void;
  members(topic: string): PresenceList;
  origins(): readonly string[];
}

const keyOf = (topic: string, user: string): string => `${topic}\u0000${user}`;

export function createPresenceState(options: { readonly self: string; readonly maxMembers: number; readonly sink: PresenceSink }): PresenceState {
  const { self, maxMembers, sink } = options;
  const origins = new Map<string, Origin>();
  /** topic → user id → the merged member. */
  const merged = new Map<string, Map<string, { name: string; count: number }>>();

  function change(key: string, name: string, from: number, to: number): void {
    if (from === to) return;
    const cut = key.indexOf('\u0000');
    const topic = key.slice(0, cut);
    const user = key.slice(cut + 1);
    const users = merged.get(topic) ?? new Map<string, { name: string; count: number }>();
    const before = users.get(user)?.count ?? 0;
    const after = before - from + to;
    if (after > 0) merged.set(topic, users.set(user, { name, count: after }));
    else {
      users.delete(user);
      if (users.size === 0) merged.delete(topic);
    }
    const member = { user_id: user, name, connections: after };
    if (before === 0 && after > 0) sink(topic, 'join', member);
    else if (after === 0 && before > 0) sink(topic, 'leave', member);
    else if (after !== before) sink(topic, 'update', member);
  }

  function originOf(id: string): Origin {
    let origin = origins.get(id);
    if (origin === undefined) {
      origin = { entries: new Map(), removed: new Map(), floor: -1, maxSeq: -1 };
      origins.set(id, origin);
    }
    return origin;
  }

  function set(origin: Origin, key: string, name: string, count: number, seq: number): void {
    const held = origin.entries.get(key);
    if (count > 0) origin.entries.set(key, { name, count, seq });
    else origin.entries.delete(key);
    change(key, name, held?.count ?? 0, count);
  }

  return {
    apply(id, [topic, user, name, count], seq) {
      const origin = originOf(id);
      const key = keyOf(topic, user);
      const held = origin.entries.get(key);
      if (seq <= origin.floor || (held !== undefined && seq <= held.seq) || seq <= (origin.removed.get(key) ?? -1)) return;
      origin.maxSeq = Math.max(origin.maxSeq, seq);
      // This instance's own deltas are never late: no tombstones for them, so nothing grows between heartbeats.
      if (count === 0 && id !== self) origin.removed.set(key, seq);
      set(origin, key, held?.name ?? name, count, seq);
    },
    replace(id, entries, seq) {
      const origin = originOf(id);
      if (seq < origin.maxSeq) return;
      const next = new Map(entries.map(([topic, user, name, count]): [string, { name: string; count: number }] => [keyOf(topic, user), { name, count }]));
      for (const [key, held] of [...origin.entries]) if (!next.has(key)) set(origin, key, held.name, 0, seq);
      for (const [key, { name, count }] of next) if (origin.entries.get(key)?.count !== count) set(origin, key, name, count, seq);
      for (const [key, held] of origin.entries) origin.entries.set(key, { ...held, seq });
      origin.removed.clear();
      origin.floor = seq;
      origin.maxSeq = seq;
    },
    drop(id) {
      const origin = origins.get(id);
      if (origin === undefined) return;
      origins.delete(id);
      for (const [key, held] of origin.entries) change(key, held.name, held.count, 0);
    },
    members(topic) {
      const users = merged.get(topic);
      if (users === undefined) return { members: [], count: 0, truncated: false };
      const all = [...users].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const members = all.slice(0, maxMembers).map(([user_id, m]) => ({ user_id, name: m.name, connections: m.count }));
      return { members, count: all.length, truncated: all.length > maxMembers };
    },
    origins: () => [...origins.keys()],
  };
}
