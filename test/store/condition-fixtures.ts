/** A stored notification with a condition key (or none), for the store's condition tests. */
import type { StoredNotification } from '../../src/store/types.js';

let counter = 0;
export function stored(conditionKey: string | null, message = 'm'): StoredNotification {
  counter += 1;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, counter)).toISOString();
  return {
    id: `n-${counter}-${Math.random().toString(36).slice(2)}`,
    title: 'Host hv-03 unreachable',
    message,
    level: 'error',
    category: 'host',
    created_at: at,
    recipient: null,
    related_entity: null,
    metadata: null,
    condition_key: conditionKey,
    count: 1,
    last_seen_at: at,
    resolved_at: null,
    actions: null,
  };
}
