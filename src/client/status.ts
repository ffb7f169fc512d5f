/** The connection status and its listeners. A throwing listener never stops the others. */
import type { ConnectionStatus, StatusData, StatusListener } from './types.js';

export interface StatusBoard {
  current(): ConnectionStatus;
  /** Records `next` and tells every listener, in the order they were added. */
  set(next: ConnectionStatus, data: StatusData): void;
  /** Adds a listener; returns a function that removes it. */
  listen(cb: StatusListener): () => void;
}

export function createStatusBoard(): StatusBoard {
  const listeners = new Set<StatusListener>();
  let status: ConnectionStatus = 'disconnected';
  return {
    current: () => status,
    set(next, data) {
      status = next;
      for (const cb of [...listeners]) {
        try {
          cb(next, data);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
    listen(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  };
}
