import { describe, expect, it } from 'vitest';
import { backoffDelayMs, nominalDelayMs, type BackoffOptions } from '../../src/client/index.js';

const seed: BackoffOptions = { baseDelayMs: 1000, factor: 1.5, maxDelayMs: 30_000, jitter: 0.2 };

describe('backoff', () => {
  it('follows the seed: 1 s, 1.5 s, 2.25 s … capped at 30 s', () => {
    const delays = Array.from({ length: 12 }, (_, i) => nominalDelayMs(i + 1, seed));
    expect(delays.slice(0, 4)).toEqual([1000, 1500, 2250, 3375]);
    expect(delays[8]).toBeCloseTo(25_628.9, 0);
    expect(delays.slice(9)).toEqual([30_000, 30_000, 30_000]);
  });

  it('jitter only shortens a delay, by at most the jitter fraction', () => {
    for (let attempt = 1; attempt <= 15; attempt += 1) {
      const nominal = nominalDelayMs(attempt, seed);
      expect(backoffDelayMs(attempt, seed, () => 0)).toBe(Math.round(nominal));
      expect(backoffDelayMs(attempt, seed, () => 1)).toBe(Math.round(nominal * 0.8));
      for (let i = 0; i < 50; i += 1) {
        const d = backoffDelayMs(attempt, seed, Math.random);
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
        expect(d).toBeLessThanOrEqual(Math.min(30_000, Math.ceil(nominal)));
      }
    }
  });

  it('spreads clients that drop together', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelayMs(3, seed, Math.random)));
    expect(delays.size).toBeGreaterThan(20);
  });
});
