/**
 * The write pattern every service shares: change state and append its events in one store
 * transaction (notifications a change raises included), then publish the events on the bus after
 * the commit. Nothing is published for a transaction that rolled back.
 */
import type { Bus } from '../bus/types.js';
import type { NewEvent, Store, StoreTx, TopicEvent } from '../store/types.js';

export interface WriteContext {
  readonly tx: StoreTx;
  /** Appends an event in this transaction; it is published after the commit. */
  emit(event: NewEvent): Promise<TopicEvent>;
}

export type Writer = <T>(fn: (ctx: WriteContext) => Promise<T>) => Promise<T>;

export function createWriter(store: Store, bus: Bus): Writer {
  return async (fn) => {
    let events: TopicEvent[] = [];
    const result = await store.write((tx) => {
      events = [];
      const ctx: WriteContext = {
        tx,
        async emit(event) {
          const appended = await tx.appendEvent(event);
          events.push(appended);
          return appended;
        },
      };
      return fn(ctx);
    });
    for (const event of events) bus.publish(event);
    return result;
  };
}

/** The fields of `after` whose values differ from `before` (all of them when `before` is undefined), without `version` and `updated_at`. */
export function changedFields<T extends object>(before: T | undefined, after: T): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const next = after as Record<string, unknown>;
  // for…in over a plain record, not Object.entries: no array of pairs per entity (a report of N VMs compares N + 1).
  for (const key in next) {
    if (!Object.hasOwn(next, key) || key === 'version' || key === 'updated_at') continue;
    const value = next[key];
    const old = before === undefined ? undefined : (before as Record<string, unknown>)[key];
    // Most fields are strings and numbers: equal ones need no serialising (an agent's report compares dozens).
    if (before === undefined || (old !== value && (typeof value !== 'object' || JSON.stringify(old) !== JSON.stringify(value)))) changes[key] = value;
  }
  return changes;
}
