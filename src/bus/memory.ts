/** The in-process bus: one instance, synchronous hand-off, nothing to configure. */
import type { TopicEvent } from '../store/types.js';
import type { Bus, ControlMessage } from './types.js';

export function createMemoryBus(): Bus {
  const eventSubscribers = new Set<(event: TopicEvent) => void>();
  const controlSubscribers = new Set<(message: ControlMessage) => void>();
  return {
    publish(event) {
      for (const deliver of eventSubscribers) deliver(event);
    },
    subscribe(deliver) {
      eventSubscribers.add(deliver);
      return () => eventSubscribers.delete(deliver);
    },
    publishControl(message) {
      for (const deliver of controlSubscribers) deliver(message);
    },
    subscribeControl(deliver) {
      controlSubscribers.add(deliver);
      return () => controlSubscribers.delete(deliver);
    },
    ready: () => true,
    // One process: nothing can be missed, so there is never anything to resync.
    onResync: () => () => undefined,
    async close() {
      eventSubscribers.clear();
      controlSubscribers.clear();
    },
  };
}
