/**
 * Which of the shared connection's messages one tab receives: the connection carries the union of
 * every tab's topics, and each tab gets only what its own topics match, as its own connection
 * would have (docs/PROTOCOL.md, "Topics"). Snapshots are cut to the tab's families; an entity
 * topic (`jobs:42`) matches the family's events of that entity.
 */
import type { GenericMessage } from '../types.js';

/** `initial_state.data` keys per family; unknown keys are kept for every tab. */
const DATA_FAMILY: Readonly<Record<string, string>> = {
  notifications: 'notifications',
  unread_count: 'notifications',
  filter_counts: 'notifications',
  inventory: 'inventory',
  jobs: 'jobs',
};

function familyOf(topic: string): string {
  const colon = topic.indexOf(':');
  return colon < 0 ? topic : topic.slice(0, colon);
}

/** True when any of `topics` draws from `family` (`all` draws from every one). */
export function wantsFamily(topics: ReadonlySet<string>, family: string): boolean {
  if (topics.has('all')) return true;
  for (const t of topics) if (familyOf(t) === family) return true;
  return false;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The entity an event of `family` is about, as its entity topic names it (a job id, a host). */
function entityOf(family: string, m: GenericMessage): string | undefined {
  const id = field(m.data, 'id');
  if (typeof id !== 'string') return undefined;
  if (family === 'jobs') return id;
  if (family !== 'inventory') return undefined;
  const kind = field(m.data, 'kind');
  if (kind === 'host') return id;
  const host = field(field(m.data, 'entity'), 'host_id');
  return kind === 'vm' ? (typeof host === 'string' ? host : id.split('/')[0]) : undefined;
}

function wantsEvent(topics: ReadonlySet<string>, topic: string, m: GenericMessage): boolean {
  if (topics.has('all') || topics.has(topic)) return true;
  const family = familyOf(topic);
  // An entity topic's ephemeral message goes to its family's subscribers too, as on the server.
  if (family !== topic) return topics.has(family);
  const entity = entityOf(family, m);
  return entity !== undefined && topics.has(`${family}:${entity}`);
}

function cutSnapshot(topics: ReadonlySet<string>, m: GenericMessage): GenericMessage | null {
  const data = (m.data ?? {}) as Record<string, unknown>;
  const positions = (m.positions ?? {}) as Record<string, unknown>;
  const keep = (key: string, family: string | undefined): boolean => family === undefined || wantsFamily(topics, family);
  const cutData = Object.fromEntries(Object.entries(data).filter(([k]) => keep(k, DATA_FAMILY[k])));
  const cutPositions = Object.fromEntries(Object.entries(positions).filter(([k]) => keep(k, k)));
  const hadAny = Object.keys(data).length + Object.keys(positions).length > 0;
  if (hadAny && Object.keys(cutData).length + Object.keys(cutPositions).length === 0) return null;
  return { ...m, data: cutData, positions: cutPositions };
}

/** The message as this tab receives it, or null when its topics do not ask for it. */
export function forTab(topics: ReadonlySet<string>, m: GenericMessage): GenericMessage | null {
  if (m.type === 'initial_state') return cutSnapshot(topics, m);
  // Presence is about one entity topic: only a tab on that very topic shows who else is there.
  if (m.type === 'presence') return typeof m.topic === 'string' && topics.has(m.topic) ? m : null;
  if (m.type === 'resumed') return typeof m.topic === 'string' && wantsFamily(topics, m.topic) ? m : null;
  if (m.type === 'subscription') {
    const mine = Array.isArray(m.topics) ? m.topics.filter((t): t is string => typeof t === 'string' && topics.has(t)) : [];
    return mine.length > 0 ? { ...m, topics: mine } : null;
  }
  if (typeof m.topic === 'string') return wantsEvent(topics, m.topic, m) ? m : null;
  return m;
}
