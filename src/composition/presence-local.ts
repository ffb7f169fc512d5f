/**
 * This instance's presence: which of its connections are on which topic, per user. A connection
 * that leaves lingers for the grace period (still counted); a connection of the same user that
 * joins the topic meanwhile takes its place, so a tab that reconnects (here) changes nothing and
 * one that reconnects elsewhere is present there before it stops being present here.
 */
import type { PresenceUser } from '../core/index.js';
import type { PresenceEntry } from './presence-state.js';

interface Here {
  readonly name: string;
  readonly connections: Set<string>;
  readonly lingering: Map<string, NodeJS.Timeout>;
}

export interface LocalPresence {
  join(topic: string, connectionId: string, user: PresenceUser): void;
  leave(topic: string, connectionId: string): void;
  /** Every (topic, user) with connections here, for a heartbeat. */
  entries(): PresenceEntry[];
  close(): void;
}

/** `report` hears every change of a user's count on a topic (0 when they are gone from here). */
export function createLocalPresence(graceMs: number, report: (entry: PresenceEntry) => void): LocalPresence {
  const topics = new Map<string, Map<string, Here>>();
  /** connection id → topic → user id, to find a leaving connection's entry. */
  const owners = new Map<string, Map<string, string>>();
  const countOf = (here: Here): number => here.connections.size + here.lingering.size;

  /** Reports the user's count on the topic after a connection stopped counting. */
  function settle(topic: string, user: string, here: Here): void {
    const users = topics.get(topic);
    if (users === undefined) return;
    const count = countOf(here);
    if (count === 0) users.delete(user);
    if (users.size === 0) topics.delete(topic);
    report([topic, user, here.name, count]);
  }

  function expire(topic: string, user: string, connectionId: string): void {
    const here = topics.get(topic)?.get(user);
    if (here?.lingering.delete(connectionId) === true) settle(topic, user, here);
  }

  return {
    join(topic, connectionId, user) {
      const users = topics.get(topic) ?? new Map<string, Here>();
      topics.set(topic, users);
      const here = users.get(user.id) ?? { name: user.name, connections: new Set<string>(), lingering: new Map<string, NodeJS.Timeout>() };
      users.set(user.id, here);
      const mine = owners.get(connectionId) ?? new Map<string, string>();
      owners.set(connectionId, mine.set(topic, user.id));
      const [heir] = here.lingering;
      if (heir !== undefined) {
        clearTimeout(heir[1]);
        here.lingering.delete(heir[0]);
      }
      here.connections.add(connectionId);
      if (heir === undefined) report([topic, user.id, here.name, countOf(here)]);
    },
    leave(topic, connectionId) {
      const mine = owners.get(connectionId);
      const user = mine?.get(topic);
      if (mine === undefined || user === undefined) return;
      mine.delete(topic);
      if (mine.size === 0) owners.delete(connectionId);
      const here = topics.get(topic)?.get(user);
      if (here?.connections.delete(connectionId) !== true) return;
      if (graceMs === 0) {
        settle(topic, user, here);
        return;
      }
      const timer = setTimeout(() => expire(topic, user, connectionId), graceMs);
      timer.unref();
      here.lingering.set(connectionId, timer);
    },
    entries() {
      const all: PresenceEntry[] = [];
      for (const [topic, users] of topics) for (const [user, here] of users) all.push([topic, user, here.name, countOf(here)]);
      return all;
    },
    close() {
      for (const users of topics.values()) for (const here of users.values()) for (const timer of here.lingering.values()) clearTimeout(timer);
      topics.clear();
      owners.clear();
    },
  };
}
