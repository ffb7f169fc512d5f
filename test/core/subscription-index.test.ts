/** The subscription index alone, with plain objects for connections: once-only, audience, entity topics, `all`. */
import { describe, expect, it } from 'vitest';
import { createSubscriptionIndex } from '../../src/core/subscription-index.js';
import type { TopicEvent } from '../../src/store/types.js';

interface Conn {
  readonly name: string;
  readonly user: string;
}

const conn = (name: string, user = name): Conn => ({ name, user });
const event = (topic: string, options: { keys?: string[]; audience?: string | null } = {}): TopicEvent => ({
  topic,
  offset: 1,
  epoch: 'e',
  type: topic,
  action: 'created',
  data: {},
  audience: options.audience ?? null,
  keys: options.keys ?? [],
  at: '2026-11-28T00:00:00.000Z',
});
const names = (receivers: Iterable<Conn>): string[] => [...receivers].map((c) => c.name).sort();

describe('subscription index', () => {
  it('reaches subscribers by topic, entity key and `all`, each connection once', () => {
    const index = createSubscriptionIndex<Conn>((c) => c.user);
    const [family, entity, all, both, other] = [conn('family'), conn('entity'), conn('all'), conn('both'), conn('other')];
    index.add(family, 'jobs');
    index.add(entity, 'jobs:42');
    index.add(all, 'all');
    index.add(both, 'jobs');
    index.add(both, 'jobs:42');
    index.add(both, 'all');
    index.add(other, 'jobs:43');
    expect(names(index.receivers(event('jobs', { keys: ['jobs:42'] })))).toEqual(['all', 'both', 'entity', 'family']);
    expect(names(index.receivers(event('jobs')))).toEqual(['all', 'both', 'family']);
    expect(names(index.receivers(event('notifications')))).toEqual(['all', 'both']);
  });

  it('gives an event with an audience only to that user, on every path', () => {
    const index = createSubscriptionIndex<Conn>((c) => c.user);
    const [alice1, alice2, bob] = [conn('alice1', 'alice'), conn('alice2', 'alice'), conn('bob')];
    index.add(alice1, 'notifications');
    index.add(alice2, 'all');
    index.add(bob, 'notifications');
    expect(names(index.receivers(event('notifications', { audience: 'alice' })))).toEqual(['alice1', 'alice2']);
    // One matching set and an audience: still filtered.
    index.remove(alice2, 'all');
    expect(names(index.receivers(event('notifications', { audience: 'alice' })))).toEqual(['alice1']);
    expect(names(index.receivers(event('notifications')))).toEqual(['alice1', 'bob']);
  });

  it('drops an entry with its last subscriber, so made-up names cost nothing once gone', () => {
    const index = createSubscriptionIndex<Conn>((c) => c.user);
    const a = conn('a');
    const made = Array.from({ length: 100 }, (_, i) => `inventory:${'x'.repeat(100)}${i}`);
    for (const name of made) index.add(a, name);
    index.add(a, 'jobs');
    expect(index.size).toBe(101);
    index.removeAll(a, [...made, 'jobs']);
    expect(index.size).toBe(0);
    expect(names(index.receivers(event('inventory', { keys: [made[0] as string] })))).toEqual([]);
  });

  it('counts subscribers per family, never per entity', () => {
    const index = createSubscriptionIndex<Conn>((c) => c.user);
    index.add(conn('a'), 'jobs:1');
    index.add(conn('b'), 'jobs:2');
    index.add(conn('c'), 'jobs');
    index.add(conn('d'), 'inventory:hv-01');
    expect(Object.fromEntries(index.countsByFamily())).toEqual({ jobs: { topics: 3, subscriptions: 3 }, inventory: { topics: 1, subscriptions: 1 } });
  });

  it('gives a broadcast to a name and to `all`, once each', () => {
    const index = createSubscriptionIndex<Conn>((c) => c.user);
    const [a, b] = [conn('a'), conn('b')];
    index.add(a, 'jobs');
    index.add(a, 'all');
    index.add(b, 'all');
    expect(names(index.subscribersWithAll('jobs'))).toEqual(['a', 'b']);
    expect(names(index.subscribersWithAll('all'))).toEqual(['a', 'b']);
    expect(names(index.subscribersWithAll('inventory'))).toEqual(['a', 'b']);
  });
});
