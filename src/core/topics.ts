/** Mapping between subscription names and the log topics that feed them. */
import { ALL_TOPIC, TOPIC_FAMILIES, topicFamily } from '../protocol/index.js';
import type { TopicEvent } from '../store/types.js';

/** The log topics a subscription draws from: `all` → every family, `jobs:42` → `jobs`. */
export function logTopicsOf(subscription: string): readonly string[] {
  return subscription === ALL_TOPIC ? TOPIC_FAMILIES : [topicFamily(subscription)];
}

/** Whether any of `subscriptions` still draws from `logTopic`. */
export function covers(subscriptions: Iterable<string>, logTopic: string): boolean {
  for (const s of subscriptions) if (logTopicsOf(s).includes(logTopic)) return true;
  return false;
}

/** The subscription names an event matches: its topic, its keys and `all`. */
export function matchKeys(event: TopicEvent): readonly string[] {
  return event.keys.length === 0 ? [event.topic, ALL_TOPIC] : [event.topic, ...event.keys, ALL_TOPIC];
}

/** Whether a connection with `subscriptions` receives `event` (by topic, key or `all`; audience aside). */
export function subscribedTo(subscriptions: { has(name: string): boolean }, event: TopicEvent): boolean {
  for (const key of matchKeys(event)) if (subscriptions.has(key)) return true;
  return false;
}

/**
 * Families whose entity topics get a snapshot of just their entities: `inventory:hv-01` gets
 * hv-01, its VMs and its cluster. (`jobs:<id>` gets the whole, bounded, `jobs` snapshot.)
 */
const SCOPED_FAMILIES: ReadonlySet<string> = new Set(['inventory']);

/**
 * The entity ids a snapshot of `logTopic` covers for these subscriptions, sorted; undefined for
 * the whole topic (the family itself or `all` is subscribed, or the family is not scoped).
 */
export function snapshotScope(subscriptions: Iterable<string>, logTopic: string): readonly string[] | undefined {
  if (!SCOPED_FAMILIES.has(logTopic)) return undefined;
  const ids: string[] = [];
  for (const s of subscriptions) {
    if (s === ALL_TOPIC || s === logTopic) return undefined;
    if (topicFamily(s) === logTopic) ids.push(s.slice(logTopic.length + 1));
  }
  return ids.sort();
}

/** Whether a snapshot of `after` holds something one of `before` did not (undefined: everything). */
export function scopeWidened(before: readonly string[] | undefined, after: readonly string[] | undefined): boolean {
  if (before === undefined) return false;
  if (after === undefined) return true;
  return after.some((id) => !before.includes(id));
}

/** One topic family's share of the subscription index. */
export interface SubscriptionCount {
  readonly topics: number;
  readonly subscriptions: number;
}

/**
 * Folds a subscription index (name → subscribers) into counts per family, so what metrics show is
 * bounded by the families, never by the (client-chosen) entity ids.
 */
export function countByFamily(index: ReadonlyMap<string, { readonly size: number }>): ReadonlyMap<string, SubscriptionCount> {
  const counts = new Map<string, { topics: number; subscriptions: number }>();
  for (const [name, subscribers] of index) {
    const family = topicFamily(name);
    const count = counts.get(family) ?? { topics: 0, subscriptions: 0 };
    count.topics += 1;
    count.subscriptions += subscribers.size;
    counts.set(family, count);
  }
  return counts;
}
