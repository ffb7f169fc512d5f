/**
 * Event frames (src/core/frames.ts): one serialisation per distinct extras, and the extras' JSON
 * reused only for the very same extras object (a catch-up hands one object for all its frames).
 */
import { describe, expect, it } from 'vitest';
import { createEventFrames } from '../../src/core/frames.js';
import type { TopicEvent } from '../../src/store/types.js';

function event(offset: number): TopicEvent {
  return {
    topic: 'notifications',
    offset,
    epoch: 'e1',
    type: 'notification',
    action: 'created',
    data: { n: offset },
    audience: null,
    keys: [],
    at: '2026-11-29T00:00:00.000Z',
  };
}

const parsed = (b: Buffer): Record<string, unknown> => JSON.parse(b.toString('utf8')) as Record<string, unknown>;

describe('event frames', () => {
  it("puts each receiver's extras in its frame, whichever extras came before", () => {
    const [one, two] = [createEventFrames(event(1)), createEventFrames(event(2))];
    const a = { unread_count: 5 };
    const b = { unread_count: 3, filter_counts: { alerts: 1 } };
    // Interleaved, as a fan-out to several users and a catch-up to one of them would ask.
    expect(parsed(one.bytes(a))).toMatchObject({ offset: 1, unread_count: 5 });
    expect(parsed(two.bytes(b))).toMatchObject({ offset: 2, unread_count: 3, filter_counts: { alerts: 1 } });
    expect(parsed(two.bytes(a))).toMatchObject({ offset: 2, unread_count: 5 });
    expect(parsed(one.bytes(b))).toMatchObject({ offset: 1, unread_count: 3 });
    expect(JSON.parse(one.frame(a))).toMatchObject({ offset: 1, unread_count: 5 });
    expect(JSON.parse(two.frame({ unread_count: 9 }))).toMatchObject({ offset: 2, unread_count: 9 });
    expect(parsed(one.bytes(undefined))).toEqual({ type: 'notification', action: 'created', data: { n: 1 }, topic: 'notifications', offset: 1 });
  });

  it('encodes equal extras once per event, even from different objects', () => {
    const frames = createEventFrames(event(1));
    expect(frames.bytes({ unread_count: 2 })).toBe(frames.bytes({ unread_count: 2 }));
    expect(frames.bytes({ unread_count: 2 })).not.toBe(frames.bytes({ unread_count: 4 }));
  });
});
