/**
 * The in-memory unread counts per (user, filter) against the store's own counts: random inbox
 * traffic (creates, conditions raised and resolved, read, seen, archive, snooze, bulk, mark-all-read,
 * deletes, retention) for several users on a real SQLite store, every event fed in offset order,
 * and after each step every user's count in every filter (the unread count, the tabs and filters a
 * connection may name) compared with the query.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { countFilter, createInboxCounts, UNREAD, type CountFilter, type InboxCounts } from '../../src/services/inbox-counts.js';
import { TAB_FILTERS } from '../../src/services/named-filters.js';
import { createNotificationService, type NotificationService } from '../../src/services/notifications.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store, TopicEvent } from '../../src/store/types.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const users = ['ann', 'bob', 'cy'];
const principal = (id: string): Principal => ({ id, name: id, roles: ['admin'], method: 'dev' });

/** The unread count, the tabs, and filters a connection might name (one on each dimension). */
const FILTERS: readonly CountFilter[] = [
  ...TAB_FILTERS.counted,
  countFilter({ state: 'all', levels: ['error'] }),
  countFilter({ state: 'archived', categories: ['job'] }),
  countFilter({ state: 'all', condition: 'active' }),
  countFilter({ state: 'snoozed' }),
  countFilter({ condition_key: 'c:1', state: 'all' }),
  countFilter({ state: 'all', seen: false }),
  countFilter({ levels: ['error'], seen: true }),
];

/** A tiny seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

describe('unread counts per (user, filter) kept in memory', () => {
  let store: Store;
  let service: NotificationService;
  let counts: InboxCounts;
  let events: TopicEvent[];

  async function open(maxCount: number, maxUsers = 10, maxFiltersPerUser = 64): Promise<void> {
    store = await openSqliteStore({ file: ':memory:', eventLogMaxPerTopic: 100_000 });
    events = [];
    const bus = { publish: (event: TopicEvent) => void events.push(event), subscribe: () => () => undefined };
    service = createNotificationService({ store, bus: bus as never, retention: { maxCount, maxAgeDays: 30 }, logger: quiet });
    counts = createInboxCounts({ maxUsers, maxFiltersPerUser, load: (user, filters) => service.filterCountsAt(user, filters) });
  }

  beforeEach(() => open(1000));
  afterEach(() => store.close());

  function feed(): void {
    for (const event of events.splice(0)) counts.observe(event);
  }

  async function expectAllMatch(step: string, filters: readonly CountFilter[] = FILTERS): Promise<void> {
    for (const user of users) {
      const expected = (
        await service.filterCountsAt(
          user,
          filters.map((f) => f.filter),
        )
      ).counts;
      expect(await counts.get(user, filters), `${user} after ${step}`).toEqual(expected);
      // The unread count by its own query too (total minus read), not only through the filter grammar.
      expect((await counts.get(user, [UNREAD]))[0], `${user}'s unread count after ${step}`).toBe((await service.unreadCountAt(user)).count);
    }
  }

  async function pick(rnd: () => number, user: string): Promise<string | undefined> {
    const page = await service.list(principal(user), { limit: 50, unreadOnly: false, filter: { state: 'all' } });
    return page.notifications[Math.floor(rnd() * page.notifications.length)]?.id;
  }

  async function step(rnd: () => number): Promise<string> {
    const user = users[Math.floor(rnd() * users.length)]!;
    const r = rnd();
    const level = (['info', 'error', 'warning'] as const)[Math.floor(rnd() * 3)]!;
    if (r < 0.3) {
      const condition = rnd() < 0.5 ? { condition_key: `c:${Math.floor(rnd() * 3)}` } : {};
      const recipient = rnd() < 0.5 ? { recipient: user } : {};
      await service.createNotification({ title: 't', message: 'm', level, category: rnd() < 0.4 ? 'job' : 'host', ...recipient, ...condition });
      return `create ${JSON.stringify({ level, ...recipient, ...condition })}`;
    }
    if (r < 0.38) {
      await service.resolve(`c:${Math.floor(rnd() * 3)}`, principal(user), rnd() < 0.5).catch(() => undefined);
      return `${user} resolves`;
    }
    if (r < 0.45) {
      const op = rnd() < 0.5 ? 'read' : 'archive';
      await service.bulk(principal(user), op, rnd() < 0.5 ? { levels: [level] } : { state: 'all' }, null);
      return `${user} bulk ${op}`;
    }
    if (r < 0.48) {
      await service.markAllRead(principal(user), null);
      return `${user} marks all read`;
    }
    const id = await pick(rnd, user);
    if (id === undefined) return 'nothing to touch';
    const kinds = ['seen', 'archive', 'unarchive', 'unsnooze'] as const;
    if (r < 0.65) await service.setRead(id, principal(user), rnd() < 0.6);
    else if (r < 0.8) await service.setState([id], principal(user), { kind: kinds[Math.floor(rnd() * kinds.length)]! });
    else if (r < 0.93) await service.setState([id], principal(user), { kind: 'snooze', until: new Date(Date.now() + 3_600_000).toISOString() });
    else await service.delete(id, principal(user));
    return `${user} changes ${id}`;
  }

  it('match the store after every step of random inbox traffic', async () => {
    const rnd = random(42);
    for (const user of users) await counts.get(user, FILTERS);
    for (let i = 0; i < 250; i++) {
      const what = await step(rnd);
      feed();
      await expectAllMatch(`step ${i}: ${what}`);
    }
  });

  it('stay exact through retention deletes, and while events are still in flight', async () => {
    await store.close();
    await open(20);
    const rnd = random(11);
    for (let i = 0; i < 200; i++) {
      const what = await step(rnd);
      // Counts are read before this step's events are observed half of the time: a load then
      // reflects the store ahead of the observed log and must skip those events when they arrive.
      if (i % 2 === 0) for (const user of users) await counts.get(user, FILTERS);
      feed();
      await expectAllMatch(`step ${i}: ${what}`);
    }
  });

  it('keep at most maxUsers users and maxFiltersPerUser filters, and reload the others', async () => {
    await store.close();
    await open(1000, 2, 8);
    await service.createNotification({ title: 't', message: 'm' });
    feed();
    await expectAllMatch('one create');
    expect(counts.size).toBeLessThanOrEqual(2 * 8);
    await service.createNotification({ title: 't', message: 'm', recipient: 'ann', level: 'error' });
    feed();
    await expectAllMatch('a personal create');
  });

  it('forget everything at a gap in the offsets instead of counting wrong', async () => {
    await service.createNotification({ title: 't', message: 'm' });
    feed();
    await expectAllMatch('first');
    await service.createNotification({ title: 't', message: 'm' });
    events.splice(0); // lost: never observed
    await service.createNotification({ title: 't', message: 'm' });
    feed();
    expect(counts.size).toBe(0);
    await expectAllMatch('after the gap');
  });
});
