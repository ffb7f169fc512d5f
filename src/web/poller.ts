/** The REST fallback: runs `task` every `intervalMs` while started (used when the socket failed). */

export interface Poller {
  start(): void;
  stop(): void;
  readonly running: boolean;
}

export function createPoller(intervalMs: number, task: () => Promise<void>): Poller {
  let timer: ReturnType<typeof setInterval> | undefined;
  let busy = false;
  const run = (): void => {
    if (busy) return;
    busy = true;
    void task().finally(() => {
      busy = false;
    });
  };
  return {
    start() {
      if (timer !== undefined) return;
      timer = setInterval(run, intervalMs);
      run();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    get running() {
      return timer !== undefined;
    },
  };
}
