/**
 * Notifications: the domain rules. Every change is written with the event that reports it in one
 * transaction, then published on the bus. Read state is per user.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Bus } from '../bus/types.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Notification, Position } from '../protocol/index.js';
import type { Cursor, NotificationPage, Store, StoreTx, StoredNotification } from '../store/types.js';
import { parseCreateNotification, type ValidNotificationInput } from './notification-input.js';
import { createWriter, type WriteContext } from './tx.js';

export const NOTIFICATIONS_TOPIC = 'notifications';

export interface NotificationRetention {
  readonly maxCount: number;
  readonly maxAgeDays: number;
}

export interface NotificationServiceOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly retention: NotificationRetention;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export interface ListQuery {
  readonly limit: number;
  readonly unreadOnly: boolean;
  readonly cursor?: Cursor | undefined;
}

export interface CreateOptions {
  /** With a key, a repeated create by the same principal returns the first result and creates nothing. */
  readonly idempotencyKey?: string | undefined;
  readonly principal?: Principal;
}

export interface NotificationService {
  /** The seed's `create_notification`. Validates `input` (a CreateNotificationInput) from unknown. */
  createNotification(input: unknown, options?: CreateOptions): Promise<{ notification: Notification; replayed: boolean }>;
  /**
   * Creates a notification inside another service's transaction (a job that failed, a host that
   * went away): it commits, or rolls back, with the change that raised it.
   */
  raise(ctx: WriteContext, input: unknown): Promise<Notification>;
  list(principal: Principal, query: ListQuery): Promise<NotificationPage>;
  get(id: string, principal: Principal): Promise<Notification>;
  setRead(id: string, principal: Principal, read: boolean): Promise<{ notification: Notification; unreadCount: number }>;
  markAllRead(principal: Principal, before: string | null): Promise<{ count: number; unreadCount: number }>;
  delete(id: string, principal: Principal): Promise<void>;
  /** The unread count with the notifications log offset it reflects, read together. */
  unreadCountAt(user: string): Promise<{ count: number; offset: number }>;
  snapshot(principal: Principal, limit: number): Promise<{ data: { notifications: readonly Notification[]; unread_count: number }; position: Position }>;
  /** Deletes notifications past the retention age; returns how many. */
  sweep(): Promise<number>;
}

export function createNotificationService(options: NotificationServiceOptions): NotificationService {
  const { store, bus, retention, logger } = options;
  const now = options.now ?? (() => new Date());

  const write = createWriter(store, bus);

  async function appendDeleted({ tx, emit }: WriteContext, n: Pick<StoredNotification, 'id' | 'recipient'>, reason: string): Promise<void> {
    await tx.notifications.delete(n.id);
    await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'deleted', data: { id: n.id, reason }, audience: n.recipient });
  }

  /** Inserts a valid notification and appends its event (and any retention deletes) in `tx`. */
  async function insert(ctx: WriteContext, valid: ValidNotificationInput): Promise<Notification> {
    const { tx, emit } = ctx;
    const { title, message, level, category, recipient, related_entity, metadata } = valid;
    const at = now().toISOString();
    const created: StoredNotification = {
      id: randomUUID(),
      title,
      message,
      level,
      category,
      created_at: at,
      recipient,
      related_entity,
      metadata,
      condition_key: null,
      count: 1,
      last_seen_at: at,
      resolved_at: null,
      actions: null,
    };
    await tx.notifications.insert(created);
    const notification: Notification = {
      id: created.id,
      title,
      message,
      level,
      category,
      created_at: created.created_at,
      read: false,
      recipient,
      related_entity,
      metadata,
    };
    await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'created', data: notification, audience: created.recipient });
    if (retentionProbeDue()) for (const old of await tx.notifications.overflow(retention.maxCount)) await appendDeleted(ctx, old, 'retention');
    return notification;
  }

  // The count limit is checked on every create while it is small, and every 1% of it beyond (a
  // probe walks up to `maxCount` index entries), so the table may briefly hold 1% more.
  const probeEvery = Math.max(1, Math.floor(retention.maxCount / 100));
  let createdSinceProbe = probeEvery;
  function retentionProbeDue(): boolean {
    createdSinceProbe += 1;
    if (createdSinceProbe < probeEvery) return false;
    createdSinceProbe = 0;
    return true;
  }

  async function mustSee(tx: StoreTx, id: string, user: string): Promise<Notification> {
    const found = await tx.notifications.get(id, user);
    if (found === undefined) throw new AppError('not_found', `notification ${id} not found`);
    return found;
  }

  return {
    async createNotification(input, createOptions = {}) {
      const valid = parseCreateNotification(input);
      const principalId = createOptions.principal?.id ?? 'system';
      const key = createOptions.idempotencyKey;
      return write(async (ctx) => {
        const { tx } = ctx;
        if (key !== undefined) {
          const previous = await tx.idempotency.get(principalId, key);
          if (previous !== undefined) return { notification: JSON.parse(previous.body) as Notification, replayed: true };
        }
        const notification = await insert(ctx, valid);
        if (key !== undefined) await tx.idempotency.put(principalId, key, { status: 201, body: JSON.stringify(notification) }, notification.created_at);
        return { notification, replayed: false };
      });
    },

    raise: (ctx, input) => insert(ctx, parseCreateNotification(input)),

    list: (principal, query) => store.read((tx) => tx.notifications.list({ user: principal.id, ...query })),

    get: (id, principal) => store.read((tx) => mustSee(tx, id, principal.id)),

    setRead(id, principal, read) {
      return write(async ({ tx, emit }) => {
        await mustSee(tx, id, principal.id);
        const changed = await tx.notifications.setRead(id, principal.id, read, now().toISOString());
        const notification = await mustSee(tx, id, principal.id);
        if (changed) {
          await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'updated', data: notification, audience: principal.id });
        }
        return { notification, unreadCount: await tx.notifications.unreadCount(principal.id) };
      });
    },

    markAllRead(principal, before) {
      return write(async ({ tx, emit }) => {
        const count = await tx.notifications.markAllRead(principal.id, before, now().toISOString());
        if (count > 0) {
          await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'all_read', data: { before, count }, audience: principal.id });
        }
        return { count, unreadCount: await tx.notifications.unreadCount(principal.id) };
      });
    },

    delete(id, principal) {
      return write(async ({ tx, emit }) => {
        const seen = await mustSee(tx, id, principal.id);
        await appendDeleted({ tx, emit }, seen, 'deleted');
      });
    },

    unreadCountAt: (user) =>
      store.read(async (tx) => ({ count: await tx.notifications.unreadCount(user), offset: (await tx.position(NOTIFICATIONS_TOPIC)).offset })),

    snapshot(principal, limit) {
      return store.read(async (tx) => {
        const page = await tx.notifications.list({ user: principal.id, limit, unreadOnly: false });
        return { data: { notifications: page.notifications, unread_count: page.unreadCount }, position: await tx.position(NOTIFICATIONS_TOPIC) };
      });
    },

    async sweep() {
      const cutoff = new Date(now().getTime() - retention.maxAgeDays * 86_400_000).toISOString();
      let total = 0;
      for (;;) {
        const removed = await write(async (ctx) => {
          const { tx } = ctx;
          const old = await tx.notifications.createdBefore(cutoff, 500);
          for (const n of old) await appendDeleted(ctx, n, 'retention');
          await tx.idempotency.pruneBefore(new Date(now().getTime() - 86_400_000).toISOString());
          return old.length;
        });
        total += removed;
        if (removed < 500) break;
      }
      if (total > 0) logger.info({ removed: total }, 'notification retention sweep');
      return total;
    },
  };
}
