/**
 * The in-memory unread counts against the store's own count: random notification traffic for
 * several users on a real SQLite store, every event fed to the counts in offset order, and after
 * each step every user's count compared with the query.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createNotificationService, type NotificationService } from '../../src/services/notifications.js';
import { createUnreadCounts, type UnreadCounts } from '../../src/services/unread-counts.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store, TopicEvent } from '../../src/store/types.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const users = ['ann', 'bob', 'cy'];
const principal = (id: string): Principal => ({ id, name: id, roles: ['admin'], method: 'dev' });

/** A tiny seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

describe('unread counts kept in memory', () => {
  let store: Store;
  let service: NotificationService;
  let counts: UnreadCounts;
  let events: TopicEvent[];

  async function open(maxCount: number, maxUsers = 10): Promise<void> {
    store = await openSqliteStore({ file: ':memory:', eventLogMaxPerTopic: 100_000 });
    events = [];
    const bus = { publish: (event: TopicEvent) => void events.push(event), subscribe: () => () => undefined };
    service = createNotificationService({ store, bus: bus as never, retention: { maxCount, maxAgeDays: 30 }, logger: quiet });
    counts = createUnreadCounts({ maxUsers, load: (user) => service.unreadCountAt(user) });
  }

  beforeEach(() => open(1000));
  afterEach(() => store.close());

  function feed(): void {
    for (const event of events.splice(0)) counts.observe(event);
  }

  async function expectAllMatch(step: string): Promise<void> {
    for (const user of users) expect(await counts.get(user), `${user} after ${step}`).toBe((await service.unreadCountAt(user)).count);
  }

  async function randomStep(next: () => number): Promise<string> {
    const user = users[Math.floor(next() * users.length)] as string;
    const roll = next();
    if (roll < 0.4) {
      const recipient = next() < 0.5 ? null : users[Math.floor(next() * users.length)];
      await service.createNotification({ title: 't', message: 'm', ...(recipient === null ? {} : { recipient }) });
      return `create for ${recipient ?? 'everyone'}`;
    }
    const page = await service.list(principal(user), { limit: 50, unreadOnly: false });
    const pick = page.notifications[Math.floor(next() * page.notifications.length)];
    if (pick === undefined) return 'nothing to touch';
    if (roll < 0.7) {
      await service.setRead(pick.id, principal(user), next() < 0.7);
      return `${user} toggles ${pick.id}`;
    }
    if (roll < 0.8) {
      await service.markAllRead(principal(user), next() < 0.5 ? null : pick.created_at);
      return `${user} marks all read`;
    }
    await service.delete(pick.id, principal(user));
    return `${user} deletes ${pick.id}`;
  }

  it('follows creates, reads, unreads, mark-all-read and deletes exactly', async () => {
    const next = random(7);
    for (let i = 0; i < 300; i++) {
      const step = await randomStep(next);
      feed();
      await expectAllMatch(`step ${i}: ${step}`);
    }
    expect(counts.size).toBe(users.length);
  });

  it('stays exact through retention deletes, and while events are still in flight', async () => {
    await store.close();
    await open(20);
    const next = random(11);
    for (let i = 0; i < 200; i++) {
      const step = await randomStep(next);
      // Counts are read before this step's events are observed half of the time: a load then
      // reflects the store ahead of the observed log and must skip those events when they arrive.
      if (i % 2 === 0) for (const user of users) await counts.get(user);
      feed();
      await expectAllMatch(`step ${i}: ${step}`);
    }
  });

  it('keeps at most maxUsers counts and reloads the others', async () => {
    await store.close();
    await open(1000, 2);
    await service.createNotification({ title: 't', message: 'm' });
    feed();
    await expectAllMatch('one create');
    expect(counts.size).toBe(2);
    await service.createNotification({ title: 't', message: 'm', recipient: 'ann' });
    feed();
    await expectAllMatch('a personal create');
  });

  it('forgets everything at a gap in the offsets instead of counting wrong', async () => {
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
