/**
 * The parts of tab sharing that decide without a browser: which messages a tab is handed
 * (topic-filter.ts), the channel's size bound (wire.ts) and the leader's follower bounds
 * (followers.ts). The election, relay and handover run in Chromium: test/e2e/shared-tabs.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createFollowers } from '../../src/client/shared-tabs/followers.js';
import { forTab } from '../../src/client/shared-tabs/topic-filter.js';
import { decodeTabMessage, encodeTabMessage, type TabMessage } from '../../src/client/shared-tabs/wire.js';

const job = (id: string) => ({ type: 'job', action: 'updated', topic: 'jobs', offset: 7, data: { id, version: 2 } });
const vm = (host: string) => ({
  type: 'inventory',
  action: 'updated',
  topic: 'inventory',
  offset: 9,
  data: { kind: 'vm', id: `${host}/web`, entity: { host_id: host } },
});
const tab = (...topics: string[]) => new Set(topics);

describe('what a tab is handed', () => {
  it('events by topic, entity topics by the event’s job or host, `all` everything', () => {
    expect(forTab(tab('jobs:42'), job('42'))).not.toBeNull();
    expect(forTab(tab('jobs:42'), job('43'))).toBeNull();
    expect(forTab(tab('jobs'), job('43'))).not.toBeNull();
    expect(forTab(tab('inventory:hv-01'), vm('hv-01'))).not.toBeNull();
    expect(forTab(tab('inventory:hv-01'), vm('hv-02'))).toBeNull();
    expect(forTab(tab('notifications'), vm('hv-02'))).toBeNull();
    expect(forTab(tab('all'), vm('hv-02'))).not.toBeNull();
  });

  it('snapshots cut to the tab’s families, acknowledgements to its topics; `connection` to every tab', () => {
    const snapshot = {
      type: 'initial_state',
      data: { notifications: [], unread_count: 2, jobs: [], inventory: { hosts: [] } },
      positions: { notifications: { offset: 1, epoch: 'e' }, jobs: { offset: 3, epoch: 'e' }, inventory: { offset: 4, epoch: 'e' } },
    };
    expect(forTab(tab('notifications'), snapshot)).toEqual({
      type: 'initial_state',
      data: { notifications: [], unread_count: 2 },
      positions: { notifications: { offset: 1, epoch: 'e' } },
    });
    expect(forTab(tab('jobs:42'), { type: 'initial_state', data: { inventory: {} }, positions: { inventory: { offset: 4, epoch: 'e' } } })).toBeNull();
    expect(forTab(tab('jobs'), { type: 'subscription', status: 'subscribed', topics: ['jobs', 'inventory'] })).toEqual({
      type: 'subscription',
      status: 'subscribed',
      topics: ['jobs'],
    });
    expect(forTab(tab('notifications'), { type: 'subscription', status: 'subscribed', topics: ['jobs'] })).toBeNull();
    expect(forTab(tab('jobs:1'), { type: 'resumed', topic: 'jobs', recovered: true })).not.toBeNull();
    expect(forTab(tab('notifications'), { type: 'resumed', topic: 'jobs', recovered: true })).toBeNull();
    expect(forTab(tab(), { type: 'connection', client_id: 'c' })).not.toBeNull();
    // Presence is about one entity topic: not for the family's other subscribers.
    expect(forTab(tab('inventory:hv-01'), { type: 'presence', topic: 'inventory:hv-01', action: 'join' })).not.toBeNull();
    expect(forTab(tab('inventory'), { type: 'presence', topic: 'inventory:hv-01', action: 'join' })).toBeNull();
  });
});

describe('the relay’s bounds', () => {
  it('posts and reads a message up to maxMessageChars, and neither a longer one nor a malformed one', () => {
    const relay = (title: string): TabMessage => ({
      k: 'relay',
      m: { type: 'notification', data: { title } },
      p: { notifications: { offset: 1, epoch: 'e' } },
    });
    const honest = encodeTabMessage(relay('short'), 1000);
    expect(honest).not.toBeNull();
    expect(decodeTabMessage(honest, 1000)).toEqual(relay('short'));
    expect(encodeTabMessage(relay('x'.repeat(1000)), 1000)).toBeNull();
    expect(decodeTabMessage(JSON.stringify(relay('x'.repeat(1000))), 1000)).toBeNull();
    expect(decodeTabMessage('{"k":"join","tab":1,"topics":[],"fresh":true}', 1000)).toBeNull();
    expect(decodeTabMessage('{"k":"sub","tab":"t","topics":[1]}', 1000)).toBeNull();
    expect(decodeTabMessage('not json', 1000)).toBeNull();
    expect(decodeTabMessage({ k: 'leader' }, 1000)).toBeNull(); // only strings travel
  });

  it('serves maxFollowers tabs, refuses the next (it connects itself), and keeps maxTopicsPerTab topics a tab', () => {
    const followers = createFollowers({ maxFollowers: 2, maxTopicsPerTab: 3 });
    expect(followers.join('a', ['notifications'], true)).toEqual(['notifications']);
    expect(followers.join('b', ['jobs'], false)).toEqual([]);
    expect(followers.join('c', ['inventory'], true)).toBeNull();
    // A tab already served joins again (a new leader) whatever the count.
    expect(followers.join('a', ['notifications', 'jobs:1', 'jobs:2', 'jobs:3'], true)).toEqual(['notifications', 'jobs:1', 'jobs:2']);
    expect(followers.change('a', ['jobs:4'], true)).toEqual([]);
    expect(followers.change('a', ['jobs:1'], false)).toEqual([]);
    expect(followers.change('a', ['jobs:4', 'jobs:5'], true)).toEqual(['jobs:4']);
    expect(new Set(followers.topics())).toEqual(new Set(['notifications', 'jobs:2', 'jobs:4', 'jobs']));
    expect(followers.leave('b')).toBe(true);
    expect(followers.join('c', ['inventory'], true)).toEqual(['inventory']);
  });
});
