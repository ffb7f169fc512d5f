/**
 * The ring of recent events (src/core/recent.ts) on its own: what it answers, the boundary where it
 * hands a resume to the log, and its bounds (count, bytes, age, a gap).
 */
import { describe, expect, it } from 'vitest';
import { createEventFrames } from '../../src/core/frames.js';
import { createRecentEvents, type RecentLimits } from '../../src/core/recent.js';
import type { TopicEvent } from '../../src/store/types.js';

const NOW = Date.parse('2026-11-29T00:00:00.000Z');

function event(offset: number, options: { topic?: string; at?: number; text?: string } = {}): TopicEvent {
  return {
    topic: options.topic ?? 'notifications',
    offset,
    epoch: 'e1',
    type: 'notification',
    action: 'created',
    data: { n: offset, text: options.text ?? '' },
    audience: null,
    keys: [],
    at: new Date(options.at ?? NOW).toISOString(),
  };
}

const sizeOf = (e: TopicEvent): number => createEventFrames(e).size;
const limits: RecentLimits = { maxEvents: 5, maxBytes: 1 << 20, maxAgeMs: 3_600_000 };
const offsets = (events: readonly TopicEvent[] | undefined): number[] | undefined => events?.map((e) => e.offset);

function filled(from: number, to: number, l: RecentLimits = limits): ReturnType<typeof createRecentEvents> {
  const recent = createRecentEvents(l, sizeOf, () => NOW);
  for (let i = from; i <= to; i += 1) recent.add(event(i));
  return recent;
}

describe('recent events ring', () => {
  it('answers a range it holds, up to the newest delivered, with copies of the events', () => {
    const original = event(1);
    const recent = createRecentEvents(limits, sizeOf, () => NOW);
    recent.add(original);
    for (let i = 2; i <= 4; i += 1) recent.add(event(i));
    const range = recent.since('notifications', 1);
    expect(range?.head).toBe(4);
    expect(offsets(range?.events)).toEqual([2, 3, 4]);
    expect(recent.since('notifications', 0)?.events[0]).toEqual(original);
    expect(recent.since('notifications', 0)?.events[0]).not.toBe(original);
    expect(recent.reach('notifications', 1)).toBe(4);
  });

  it('answers at its oldest boundary and hands anything older, newer or unknown to the log', () => {
    const recent = filled(1, 12); // holds 8..12
    expect(offsets(recent.since('notifications', 7)?.events)).toEqual([8, 9, 10, 11, 12]);
    expect(recent.since('notifications', 6)).toBeUndefined();
    expect(recent.reach('notifications', 6)).toBeUndefined();
    expect(recent.since('notifications', 12)).toEqual({ head: 12, events: [] });
    expect(recent.since('notifications', 13)).toBeUndefined();
    expect(recent.since('jobs', 0)).toBeUndefined();
  });

  it('holds at most maxBytes of frames, and an event larger than that empties it', () => {
    const size = JSON.stringify({ type: 'notification', action: 'created', data: { n: 1, text: 'x'.repeat(100) }, topic: 'notifications', offset: 1 }).length;
    const recent = createRecentEvents({ ...limits, maxBytes: size * 2 + 5 }, sizeOf, () => NOW);
    for (let i = 1; i <= 4; i += 1) recent.add(event(i, { text: 'x'.repeat(100) }));
    expect(offsets(recent.since('notifications', 2)?.events)).toEqual([3, 4]);
    expect(recent.since('notifications', 1)).toBeUndefined();
    recent.add(event(5, { text: 'y'.repeat(1000) }));
    expect(recent.since('notifications', 4)).toBeUndefined();
    recent.add(event(6, { text: 'z' }));
    expect(offsets(recent.since('notifications', 5)?.events)).toEqual([6]);
  });

  it('starts afresh after a gap in the delivered offsets', () => {
    const recent = filled(1, 3);
    recent.add(event(7));
    expect(recent.since('notifications', 3)).toBeUndefined();
    expect(offsets(recent.since('notifications', 6)?.events)).toEqual([7]);
  });

  it('never serves an event older than the log keeps, and is off with no room', () => {
    const recent = createRecentEvents(limits, sizeOf, () => NOW);
    recent.add(event(1, { at: NOW - 2 * 3_600_000 }));
    recent.add(event(2));
    expect(recent.since('notifications', 0)).toBeUndefined();
    expect(offsets(recent.since('notifications', 1)?.events)).toEqual([2]);
    const off = filled(1, 3, { ...limits, maxEvents: 0 });
    expect(off.since('notifications', 1)).toBeUndefined();
  });

  it('gives the frames of the events it holds, shared by every replay', () => {
    const recent = filled(1, 2);
    const held = recent.since('notifications', 0)?.events[0] as TopicEvent;
    const frames = recent.framesOf(held);
    expect(frames?.bytes({ unread_count: 1 }).toString()).toContain('"unread_count":1');
    expect(frames?.bytes({ unread_count: 1 })).toBe(frames?.bytes({ unread_count: 1 }));
    expect(recent.framesOf(event(1))).toBeUndefined();
  });
});
