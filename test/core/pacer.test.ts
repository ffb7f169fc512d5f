/**
 * The catch-up pacer (src/core/pacer.ts): a small catch-up goes out at once even when the window's
 * share is spent, a long one still yields and waits, and overlapping slices count once.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import { createPacer } from '../../src/core/pacer.js';
import type { Stream } from '../../src/core/streams.js';

const conn = { closed: false, socket: { bufferedAmount: 0 }, close: () => undefined } as unknown as Connection;
const stream = { topic: 'notifications', mode: 'syncing', position: 0, buffer: [] } as Stream;
const pacer = () => createPacer({ lowWaterBytes: 1000, stallMs: 1000, maxBuffered: 1000, observer: undefined });

/** Calls `next()` `n` times; says whether the event loop got a turn meanwhile (a yield or a wait). */
async function sendFrames(gate: { next(): boolean | Promise<boolean> }, n: number): Promise<{ yielded: boolean; ms: number }> {
  let yielded = false;
  const marker = setImmediate(() => (yielded = true));
  const started = performance.now();
  for (let i = 0; i < n; i += 1) expect(await gate.next()).toBe(true);
  clearImmediate(marker);
  return { yielded, ms: performance.now() - started };
}

describe('catch-up pacer', () => {
  it('sends a catch-up of at most 128 frames at once, even with the window spent', async () => {
    const p = pacer();
    void p.turn(performance.now() - 30); // 30 ms of catch-up work, counted at once: over the 20 ms share
    const small = await sendFrames(p.gate(conn, stream, 128), 128);
    expect(small.yielded).toBe(false);
    // Nor does it allocate a promise per frame: each answer is at once.
    const gate = p.gate(conn, stream, 3);
    expect([gate.next(), gate.next(), gate.next()]).toEqual([true, true, true]);
  });

  it('makes a longer catch-up yield every 32 frames and wait for the next window once the share is spent', async () => {
    const p = pacer();
    void p.turn(performance.now() - 30);
    const long = await sendFrames(p.gate(conn, stream, 129), 40);
    expect(long.yielded).toBe(true);
    expect(long.ms).toBeGreaterThan(5); // slept to the end of the 50 ms window
  });

  it('counts overlapping slices of concurrent catch-ups once', async () => {
    const p = pacer();
    // Counted twice (24 ms, over the 20 ms share) the second would sleep to the window's end with a
    // timer; a timer, not the clock, tells, and 12 ms leaves 8 ms for a loaded machine's delays.
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const start = performance.now() - 12;
      // Two catch-ups report the same 12 ms: 12 ms used, under the share, so no wait.
      void p.turn(start);
      await p.turn(start);
      expect(timers).not.toHaveBeenCalled();
    } finally {
      timers.mockRestore();
    }
  });
});
