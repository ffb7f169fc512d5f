/**
 * The in-memory per-tab unread counts against the store's own counts: random inbox traffic
 * (creates, conditions raised and resolved, read, seen, archive, snooze, bulk, deletes) for
 * several users on a real SQLite store, every event fed in offset order, and after each step every
 * user's counts compared with the query.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createFilterCounts, TAB_FILTERS, TAB_NAMES, type FilterCounts } from '../../src/services/filter-counts.js';
import { createNotificationService, type NotificationService } from '../../src/services/notifications.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store, TopicEvent } from '../../src/store/types.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const users = ['ann', 'bob', 'cy'];
const principal = (id: string): Principal => ({ id, name: id, roles: ['admin'], method: 'dev' });

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

describe('per-tab unread counts kept in memory', () => {
  let store: Store;
  let service: NotificationService;
  let counts: FilterCounts;
  let events: TopicEvent[];

  beforeEach(async () => {
    store = await openSqliteStore({ file: ':memory:', eventLogMaxPerTopic: 100_000 });
    events = [];
    const bus = { publish: (event: TopicEvent) => void events.push(event), subscribe: () => () => undefined };
    service = createNotificationService({ store, bus: bus as never, retention: { maxCount: 1000, maxAgeDays: 30 }, logger: quiet });
    counts = createFilterCounts({ maxUsers: 10, load: (user) => service.filterCountsAt(user, TAB_FILTERS) });
  });

  async function pick(rnd: () => number, user: string): Promise<string | undefined> {
    const page = await service.list(principal(user), { limit: 50, unreadOnly: false, filter: { state: 'all' } });
    return page.notifications[Math.floor(rnd() * page.notifications.length)]?.id;
  }

  async function step(rnd: () => number): Promise<void> {
    const user = users[Math.floor(rnd() * users.length)]!;
    const r = rnd();
    const levels = ['info', 'error', 'warning'] as const;
    const level = levels[Math.floor(rnd() * 3)]!;
    const category = rnd() < 0.4 ? 'job' : 'host';
    if (r < 0.3) {
      const condition = rnd() < 0.5 ? { condition_key: `c:${Math.floor(rnd() * 3)}` } : {};
      await service.createNotification({ title: 't', message: 'm', level, category, ...(rnd() < 0.5 ? { recipient: user } : {}), ...condition });
      return;
    }
    if (r < 0.38) {
      await service.resolve(`c:${Math.floor(rnd() * 3)}`, principal(user), rnd() < 0.5).catch(() => undefined);
      return;
    }
    if (r < 0.45) {
      await service.bulk(principal(user), rnd() < 0.5 ? 'read' : 'archive', { levels: [level] }, null);
      return;
    }
    if (r < 0.48) {
      await service.markAllRead(principal(user), null);
      return;
    }
    const id = await pick(rnd, user);
    if (id === undefined) return;
    const kinds = ['seen', 'archive', 'unarchive', 'unsnooze'] as const;
    if (r < 0.6) await service.setRead(id, principal(user), rnd() < 0.6);
    else if (r < 0.8) await service.setState([id], principal(user), { kind: kinds[Math.floor(rnd() * kinds.length)]! });
    else if (r < 0.93) await service.setState([id], principal(user), { kind: 'snooze', until: new Date(Date.now() + 3_600_000).toISOString() });
    else await service.delete(id, principal(user));
  }

  it('match the store after every step of random traffic', async () => {
    const rnd = random(42);
    for (const user of users) await counts.get(user);
    for (let i = 0; i < 250; i++) {
      await step(rnd);
      for (const event of events.splice(0)) counts.observe(event);
      for (const user of users) {
        const expected = (await service.filterCountsAt(user, TAB_FILTERS)).counts;
        const held = await counts.get(user);
        expect(
          TAB_NAMES.map((name) => held[name]),
          `step ${i}, ${user}`,
        ).toEqual(expected);
      }
    }
  });
});
