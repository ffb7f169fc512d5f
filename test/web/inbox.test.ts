import { describe, expect, it } from 'vitest';
import type { Notification, NotificationEventMessage } from '../../src/protocol/index.js';
import { createInbox, SNAPSHOT_SIZE } from '../../src/web/inbox.js';
import { badgeText, dotFor } from '../../src/web/bell.js';
import { relativeTime } from '../../src/web/time.js';

function note(i: number, read = false): Notification {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
  return {
    id: `n${String(i).padStart(3, '0')}`,
    title: `t${i}`,
    message: 'm',
    level: 'info',
    category: 'system',
    created_at: at,
    read,
    recipient: null,
    related_entity: null,
    metadata: null,
  };
}
const range = (from: number, to: number): Notification[] => Array.from({ length: to - from + 1 }, (_, k) => note(to - k));

function ev(action: NotificationEventMessage['action'], data: NotificationEventMessage['data'], unread: number): NotificationEventMessage {
  return { type: 'notification', action, data, unread_count: unread, topic: 'notifications', offset: 1 };
}

describe('inbox', () => {
  it('keeps items newest first and applies events', () => {
    const inbox = createInbox();
    inbox.replaceNewest([note(1), note(3)], 2, null);
    inbox.applyEvent(ev('created', note(2), 3), true);
    expect(inbox.state().items.map((n) => n.id)).toEqual(['n003', 'n002', 'n001']);
    expect(inbox.state().newIds.has('n002')).toBe(true);
    inbox.applyEvent(ev('updated', note(2, true), 2), false);
    inbox.applyEvent(ev('deleted', { id: 'n003' }, 1), false);
    expect(inbox.state().items.map((n) => [n.id, n.read])).toEqual([
      ['n002', true],
      ['n001', false],
    ]);
    inbox.applyEvent(ev('all_read', { before: note(1).created_at, count: 1 }, 0), false);
    expect(inbox.state().items.every((n) => n.read)).toBe(true);
    expect(inbox.state().unreadCount).toBe(0);
  });

  it('a snapshot replaces what it covers and keeps older loaded pages', () => {
    const inbox = createInbox();
    inbox.replaceNewest(range(51, 100), 0, 'c1');
    inbox.appendPage({ notifications: range(31, 50), unread_count: 0, next_cursor: 'c2' });
    const snap = range(56, 105).filter((n) => n.id !== 'n090');
    inbox.replaceNewest(snap.concat(note(55)), 5);
    const ids = inbox.state().items.map((n) => n.id);
    expect(ids).not.toContain('n090');
    expect(ids[0]).toBe('n105');
    expect(ids).toContain('n031');
    expect(inbox.state().nextCursor).toBe('c2');
    expect(inbox.state().unreadCount).toBe(5);
  });

  it('a short snapshot is everything', () => {
    const inbox = createInbox();
    inbox.replaceNewest(range(1, SNAPSHOT_SIZE), 0, 'c1');
    inbox.replaceNewest(range(1, 3), 0);
    expect(inbox.state().items).toHaveLength(3);
    expect(inbox.state().nextCursor).toBeNull();
  });

  it('does not insert events older than the loaded range while more pages exist', () => {
    const inbox = createInbox();
    inbox.replaceNewest(range(10, 20), 0, 'more');
    inbox.applyEvent(ev('updated', note(2), 1), false);
    expect(inbox.state().items.map((n) => n.id)).not.toContain('n002');
  });

  it('local read and delete adjust the unread count once', () => {
    const inbox = createInbox();
    inbox.replaceNewest([note(1), note(2)], 2, null);
    inbox.upsert(note(1, true));
    inbox.upsert(note(1, true));
    inbox.remove('n002');
    inbox.remove('n002');
    expect(inbox.state().unreadCount).toBe(0);
  });
});

describe('bell and time', () => {
  it('caps the badge at 99+', () => {
    expect([0, 5, 99, 100, 1234].map(badgeText)).toEqual(['0', '5', '99', '99+', '99+']);
  });
  it('maps statuses to the seed dot classes', () => {
    expect(dotFor('connected', {})).toBe('ws-connected');
    expect(dotFor('connecting', { attempt: 0 })).toBe('ws-connecting');
    expect(dotFor('connecting', { attempt: 2 })).toBe('ws-reconnecting');
    expect(dotFor('reconnecting', { attempt: 1 })).toBe('ws-reconnecting');
    expect(dotFor('failed', {})).toBe('ws-disconnected');
    expect(dotFor('auth_failed', {})).toBe('ws-disconnected');
    expect(dotFor('disconnected', {})).toBe('ws-disconnected');
  });
  it('says Just now, N minutes ago, N hours ago', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(relativeTime('2025-01-01T11:59:30Z', now)).toBe('Just now');
    expect(relativeTime('2025-01-01T12:00:30Z', now)).toBe('Just now');
    expect(relativeTime('2025-01-01T11:59:00Z', now)).toBe('1 minute ago');
    expect(relativeTime('2025-01-01T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2025-01-01T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2024-12-31T10:00:00Z', now)).toBe('Yesterday');
    expect(relativeTime('2024-12-25T12:00:00Z', now)).toBe('7 days ago');
  });
});

describe('inbox tabs', () => {
  it('moves items between tabs by their view-state events and keeps the tab counts', () => {
    const inbox = createInbox();
    inbox.replaceNewest([note(1), note(2)], 2, null);
    const counts = { all: 1, problems: 0, jobs: 0, archived: 1 };
    inbox.applyEvent({ ...ev('archived', { ...note(2), archived: true }, 2), filter_counts: counts }, false);
    expect(inbox.state().items.map((n) => n.id)).toEqual(['n001']);
    expect(inbox.state().tabCounts).toEqual(counts);

    inbox.setTab('archived');
    expect(inbox.state().items).toEqual([]);
    inbox.replaceNewest([{ ...note(2), archived: true }], 2, null);
    inbox.applyEvent(ev('archived', { ...note(1), archived: true }, 2), false);
    inbox.applyEvent(ev('created', note(3), 3), false);
    expect(inbox.state().items.map((n) => n.id)).toEqual(['n002', 'n001']);
    inbox.applyEvent(ev('unarchived', note(2), 3), false);
    expect(inbox.state().items.map((n) => n.id)).toEqual(['n001']);
  });

  it('drops a resolved condition from Problems and brings a snooze back when it ends', () => {
    const inbox = createInbox();
    inbox.setTab('problems');
    const alarm = { ...note(1), level: 'error' as const, condition_key: 'host:a:down', resolved_at: null };
    inbox.applyEvent(ev('created', alarm, 1), false);
    expect(inbox.state().items).toHaveLength(1);
    inbox.applyEvent(
      ev('resolved', { id: 'n001', condition_key: 'host:a:down', count: 1, last_seen_at: alarm.created_at, resolved_at: alarm.created_at, message: 'm' }, 1),
      false,
    );
    expect(inbox.state().items).toEqual([]);

    inbox.setTab('all');
    inbox.replaceNewest([note(2)], 1, null);
    inbox.applyEvent(ev('snoozed', { ...note(2), snoozed_until: '2999-01-01T00:00:00.000Z' }, 1), false);
    expect(inbox.state().items).toEqual([]);
    inbox.applyEvent(ev('unsnoozed', { ...note(2), snoozed_until: null }, 1), false);
    expect(inbox.state().items.map((n) => n.id)).toEqual(['n002']);
  });

  it('leaves seen notifications out of the badge, but not out of the unread count', () => {
    const inbox = createInbox();
    inbox.replaceNewest([note(1), note(2), note(3, true)], 2, null);
    expect(inbox.state().unseenCount).toBe(2);
    inbox.applyEvent(ev('seen', { ...note(1), seen: true }, 2), false);
    inbox.upsert({ ...note(3, true), seen: true });
    expect(inbox.state()).toMatchObject({ unreadCount: 2, unseenCount: 1 });
    inbox.applyEvent(ev('updated', { ...note(1, true), seen: true }, 1), false);
    expect(inbox.state()).toMatchObject({ unreadCount: 1, unseenCount: 1 });
  });
});
