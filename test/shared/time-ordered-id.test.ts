/** Time-ordered ids (src/shared/time-ordered-id.ts): RFC 9562 UUIDv7, increasing within a process. */
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/shared/time-ordered-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const timeOf = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
const counterOf = (id: string): number => parseInt(id.slice(15, 18), 16);

describe('timeOrderedId', () => {
  it('is a UUIDv7 carrying its creation time in ms', () => {
    const before = Date.now();
    const id = timeOrderedId();
    expect(id).toMatch(UUID_V7);
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(Date.now());
  });

  it('increases with every id, within one millisecond too, and never repeats', () => {
    const ms = Date.now() + 60_000;
    const ids = Array.from({ length: 1500 }, () => timeOrderedId(ms));
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // The counter starts below 2048, so at least 2048 ids of one ms keep its time.
    expect(ids.slice(0, 2048).every((id) => timeOf(id) === ms || timeOf(id) === ms + 1)).toBe(true);
    expect(counterOf(ids[0] as string)).toBeLessThan(2048);
  });

  it('borrows the next millisecond when the counter runs out, still increasing', () => {
    const ms = Date.now() + 120_000;
    const ids = Array.from({ length: 5000 }, () => timeOrderedId(ms));
    expect([...ids].sort()).toEqual(ids);
    expect(timeOf(ids[4999] as string)).toBeGreaterThan(ms);
    // A clock that steps back does not make an id smaller either.
    const after = timeOrderedId(ms - 10_000);
    expect(after > (ids[4999] as string)).toBe(true);
  });

  it('keeps 62 random bits: ids of one millisecond differ beyond the counter', () => {
    const ms = Date.now() + 180_000;
    const tails = new Set(Array.from({ length: 200 }, () => timeOrderedId(ms).slice(19)));
    expect(tails.size).toBe(200);
  });
});
