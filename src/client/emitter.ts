/** A tiny event emitter keyed on message type. A throwing handler never stops the others. */

export interface Emitter<M> {
  on(type: string, handler: (message: M) => void): void;
  off(type: string, handler: (message: M) => void): void;
  emit(type: string, message: M): void;
}

/** Rethrows outside the dispatch loop, so the error is reported but the loop continues. */
function report(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export function createEmitter<M>(): Emitter<M> {
  const handlers = new Map<string, Set<(message: M) => void>>();
  return {
    on(type, handler) {
      let set = handlers.get(type);
      if (set === undefined) handlers.set(type, (set = new Set()));
      set.add(handler);
    },
    off(type, handler) {
      handlers.get(type)?.delete(handler);
    },
    emit(type, message) {
      const set = handlers.get(type);
      if (set === undefined) return;
      for (const handler of [...set]) {
        try {
          handler(message);
        } catch (error) {
          report(error);
        }
      }
    },
  };
}
