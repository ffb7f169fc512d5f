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
