/**
 * The merged presence state and the heartbeat's wire form, without a server: heartbeats stay
 * within PRESENCE_HEARTBEAT_MAX_BYTES however large the membership (in parts that add up to all
 * of it), a late delta never undoes a newer one, a heartbeat older than an applied delta is
 * ignored, and dropping an origin makes only the members present nowhere else leave.
 */
import { describe, expect, it } from 'vitest';
import { createPresenceState, type PresenceEntry } from '../../src/composition/presence-state.js';
import { heartbeatParts, readPresenceWire } from '../../src/composition/presence-wire.js';
import type { ControlMessage } from '../../src/bus/types.js';

function recorder() {
  const events: string[] = [];
  const state = createPresenceState({
    self: 'me',
    maxMembers: 100,
    sink: (topic, action, m) => events.push(`${action} ${topic} ${m.user_id} ${m.connections}`),
  });
  return { state, events };
}

describe('presence heartbeat parts', () => {
  it('keeps every part within the byte bound and carries every entry', () => {
    const entries: PresenceEntry[] = Array.from({ length: 2000 }, (_, i) => [`jobs:job-${i}`, `user-${i % 37}`, `User number ${i % 37}`, 1 + (i % 3)]);
    const maxBytes = 1024;
    const { parts, dropped } = heartbeatParts('origin-1', 42, entries, maxBytes);
    expect(dropped).toBe(0);
    expect(parts.length).toBeGreaterThan(10);
    const back: PresenceEntry[] = [];
    for (const part of parts) {
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(maxBytes);
      const read = readPresenceWire(JSON.parse(JSON.stringify(part)) as ControlMessage);
      if (read?.kind !== 'presence_heartbeat') throw new Error('not a heartbeat');
      expect(read.parts).toBe(parts.length);
      back.push(...read.entries);
    }
    expect(back).toEqual(entries);
  });

  it('sends one empty part for an empty membership, and leaves out an entry too large for any part', () => {
    expect(heartbeatParts('o', 1, [], 1024).parts).toHaveLength(1);
    const { parts, dropped } = heartbeatParts('o', 1, [['jobs:1', 'u', 'x'.repeat(2000), 1]], 1024);
    expect(dropped).toBe(1);
    expect(parts).toHaveLength(1);
  });

  it('refuses malformed presence messages', () => {
    expect(readPresenceWire({ kind: 'presence_delta', origin: 'o', seq: 1, entry: ['t', 'u', 'n', -1] })).toBeUndefined();
    expect(readPresenceWire({ kind: 'presence_heartbeat', origin: 'o', seq: 1, part: 2, parts: 2, entries: [] })).toBeUndefined();
    expect(readPresenceWire({ kind: 'presence_sync' })).toBeUndefined();
  });
});

describe('merged presence state', () => {
  it('ignores a delta older than what the origin said last', () => {
    const { state, events } = recorder();
    state.apply('b', ['jobs:1', 'bob', 'Bob', 1], 1);
    state.apply('b', ['jobs:1', 'bob', 'Bob', 0], 3);
    state.apply('b', ['jobs:1', 'bob', 'Bob', 2], 2);
    expect(events).toEqual(['join jobs:1 bob 1', 'leave jobs:1 bob 0']);
    expect(state.members('jobs:1').count).toBe(0);
  });

  it('applies a heartbeat only when no newer delta was applied, and ignores deltas older than it', () => {
    const { state, events } = recorder();
    state.apply('b', ['jobs:1', 'bob', 'Bob', 1], 5);
    state.replace('b', [], 4);
    expect(state.members('jobs:1').count).toBe(1);
    state.replace('b', [['jobs:1', 'carol', 'Carol', 1]], 6);
    state.apply('b', ['jobs:1', 'bob', 'Bob', 1], 6);
    expect(state.members('jobs:1').members.map((m) => m.user_id)).toEqual(['carol']);
    expect(events).toEqual(['join jobs:1 bob 1', 'leave jobs:1 bob 0', 'join jobs:1 carol 1']);
  });

  it('sums a user over origins; dropping one origin leaves only who is nowhere else', () => {
    const { state, events } = recorder();
    state.apply('a', ['inventory:hv-01', 'alice', 'Alice', 1], 1);
    state.apply('b', ['inventory:hv-01', 'alice', 'Alice', 2], 1);
    state.apply('b', ['inventory:hv-01', 'bob', 'Bob', 1], 2);
    state.drop('b');
    expect(events).toEqual([
      'join inventory:hv-01 alice 1',
      'update inventory:hv-01 alice 3',
      'join inventory:hv-01 bob 1',
      'update inventory:hv-01 alice 1',
      'leave inventory:hv-01 bob 0',
    ]);
  });
});
