/**
 * Topic names. A topic is a family (`notifications`, `inventory`, `jobs`), the wildcard `all`,
 * or an entity topic `family:<id>` such as `jobs:42` or `inventory:hv-01`. Grammar: a family,
 * optionally followed by `:` and 1–128 characters from [A-Za-z0-9._-].
 */

export const TOPIC_FAMILIES = ['notifications', 'inventory', 'jobs'] as const;
export type TopicFamily = (typeof TOPIC_FAMILIES)[number];

/** The wildcard topic: a subscriber to `all` receives every event once. */
export const ALL_TOPIC = 'all';

const ENTITY_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Families that have entity sub-topics: `jobs:<job id>`, `inventory:<host id>` (a host and its VMs). */
const ENTITY_FAMILIES: ReadonlySet<string> = new Set(['jobs', 'inventory']);

export type TopicCheck =
  { readonly ok: true; readonly family: TopicFamily | 'all'; readonly entity?: string } | { readonly ok: false; readonly reason: 'invalid' | 'unknown' };

/** Classifies a topic name: valid and known, syntactically invalid, or well-formed but unknown. */
export function checkTopic(name: string): TopicCheck {
  if (name.length === 0 || name.length > 160) return { ok: false, reason: 'invalid' };
  if (name === ALL_TOPIC) return { ok: true, family: 'all' };
  const colon = name.indexOf(':');
  const family = colon === -1 ? name : name.slice(0, colon);
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(family)) return { ok: false, reason: 'invalid' };
  if (!(TOPIC_FAMILIES as readonly string[]).includes(family)) return { ok: false, reason: 'unknown' };
  if (colon === -1) return { ok: true, family: family as TopicFamily };
  const entity = name.slice(colon + 1);
  if (!ENTITY_ID.test(entity)) return { ok: false, reason: 'invalid' };
  if (!ENTITY_FAMILIES.has(family)) return { ok: false, reason: 'unknown' };
  return { ok: true, family: family as TopicFamily, entity };
}

/** The family of a valid topic name (`jobs:42` → `jobs`). */
export function topicFamily(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}
