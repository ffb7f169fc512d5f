/**
 * Notifications: the domain rules. Every change is written with the event that reports it in one
 * transaction, then published on the bus. Read state and view state (seen, archived, snoozed) are
 * per user; a notification with a `condition_key` is one entry per active condition, raised again
 * and resolved in place (notification-writes.ts).
 */
import type { Principal } from '../auth/principal.js';
import type { Bus } from '../bus/types.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Notification, NotificationFilter, Position } from '../protocol/index.js';
import type { Cursor, NotificationPage, Store } from '../store/types.js';
import { parseCreateNotification } from './notification-input.js';
import type { JobCheck } from './notification-actions.js';
import { createNotificationStates, mustSee, type StateChange } from './notification-states.js';
import { createNotificationWrites, freshView, NOTIFICATIONS_TOPIC } from './notification-writes.js';
import { createWriter, type WriteContext, type Writer } from './tx.js';

export { NOTIFICATIONS_TOPIC } from './notification-writes.js';
export type { StateChange } from './notification-states.js';

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
  /** Checks a job action's type and parameters on create (the job service's own check); absent: not checked. */
  readonly checkJob?: JobCheck;
}

export interface ListQuery {
  readonly limit: number;
  readonly unreadOnly: boolean;
  readonly cursor?: Cursor | undefined;
  /** Absent: every notification, whatever its state. */
  readonly filter?: NotificationFilter | undefined;
}

export interface CreateOptions {
  /** With a key, a repeated create by the same principal returns the first result and creates nothing. */
  readonly idempotencyKey?: string | undefined;
  readonly principal?: Principal;
}

export interface NotificationService {
  /**
   * The seed's `create_notification`. Validates `input` (a CreateNotificationInput) from unknown.
   * With a `condition_key` that is active already, raises that notification again (`raised`).
   */
  createNotification(input: unknown, options?: CreateOptions): Promise<{ notification: Notification; replayed: boolean; raised: boolean }>;
  /**
   * Creates (or raises) a notification inside another service's transaction (a job that failed,
   * a host that went away): it commits, or rolls back, with the change that raised it.
   */
  raise(ctx: WriteContext, input: unknown): Promise<Notification>;
  /** Resolves a condition inside another service's transaction; false when it was not active. */
  resolveIn(ctx: WriteContext, conditionKey: string): Promise<boolean>;
  /** Resolves a condition (and, with `read`, marks it read for `principal`); 404 when not active. */
  resolve(conditionKey: string, principal: Principal, read: boolean): Promise<{ notification: Notification; unreadCount: number }>;
  list(principal: Principal, query: ListQuery): Promise<NotificationPage>;
  get(id: string, principal: Principal): Promise<Notification>;
  setRead(id: string, principal: Principal, read: boolean): Promise<{ notification: Notification; unreadCount: number }>;
  /** Changes `principal`'s view state of each of `ids` (at most SEEN_MAX_IDS). */
  setState(ids: readonly string[], principal: Principal, change: StateChange): Promise<{ notifications: Notification[]; unreadCount: number }>;
  markAllRead(principal: Principal, before: string | null): Promise<{ count: number; unreadCount: number }>;
  /** Marks read, or archives, `principal`'s notifications matching `filter` created at or before `before` (at most BULK_MAX). */
  bulk(principal: Principal, op: 'read' | 'archive', filter: NotificationFilter, before: string | null): Promise<{ count: number; unreadCount: number }>;
  delete(id: string, principal: Principal): Promise<void>;
  /** The unread count with the notifications log offset it reflects, read together. */
  unreadCountAt(user: string): Promise<{ count: number; offset: number }>;
  /** Unread counts of `filters` for `user`, with the log offset they reflect. */
  filterCountsAt(user: string, filters: readonly NotificationFilter[]): Promise<{ counts: number[]; offset: number }>;
  /** The default view's newest notifications, the unread count and the unread count of each of `filters` (in order), read together. */
  snapshot(
    principal: Principal,
    limit: number,
    filters: readonly NotificationFilter[],
  ): Promise<{ data: { notifications: readonly Notification[]; unread_count: number; counts: number[] }; position: Position }>;
  /** Ends the snoozes that are due, pushing each back to its user; returns how many. */
  endSnoozes(): Promise<number>;
  /** Deletes notifications past the retention age; returns how many. */
  sweep(): Promise<number>;
}

export function createNotificationService(options: NotificationServiceOptions): NotificationService {
  const { store, bus, retention, logger } = options;
  const now = options.now ?? (() => new Date());
  const write = createWriter(store, bus);
  const writes = createNotificationWrites({ now, maxCount: retention.maxCount });
  const states = createNotificationStates(write, now);
  return {
    ...createWriteSide(write, writes, now, options.checkJob),
    setState: (ids, principal, change) => states.change(ids, principal, change),
    bulk: (principal, op, filter, before) => states.bulk(principal, op, filter, before),
    endSnoozes: () => states.endSnoozes(),
    ...createReadSide(store, now),
    async sweep() {
      const cutoff = new Date(now().getTime() - retention.maxAgeDays * 86_400_000).toISOString();
      let total = 0;
      for (;;) {
        const removed = await write(async (ctx) => {
          const old = await ctx.tx.notifications.createdBefore(cutoff, 500);
          for (const n of old) await writes.appendDeleted(ctx, n, 'retention');
          await ctx.tx.idempotency.pruneBefore(new Date(now().getTime() - 86_400_000).toISOString());
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

type WriteSide = Pick<NotificationService, 'createNotification' | 'raise' | 'resolveIn' | 'resolve' | 'setRead' | 'markAllRead' | 'delete'>;

function createWriteSide(write: Writer, writes: ReturnType<typeof createNotificationWrites>, now: () => Date, checkJob: JobCheck | undefined): WriteSide {
  return {
    async createNotification(input, createOptions = {}) {
      const valid = parseCreateNotification(input, checkJob);
      const principalId = createOptions.principal?.id ?? 'system';
      const key = createOptions.idempotencyKey;
      return write(async (ctx) => {
        if (key !== undefined) {
          const previous = await ctx.tx.idempotency.get(principalId, key);
          if (previous !== undefined) return { notification: JSON.parse(previous.body) as Notification, replayed: true, raised: previous.status === 200 };
        }
        const put = await writes.put(ctx, valid);
        const seen = put.raised ? ((await ctx.tx.notifications.get(put.notification.id, principalId)) ?? put.notification) : put.notification;
        if (key !== undefined) await ctx.tx.idempotency.put(principalId, key, { status: put.raised ? 200 : 201, body: JSON.stringify(seen) }, seen.created_at);
        return { notification: seen, replayed: false, raised: put.raised };
      });
    },

    raise: async (ctx, input) => (await writes.put(ctx, parseCreateNotification(input, checkJob))).notification,

    resolveIn: async (ctx, conditionKey) => (await writes.resolve(ctx, conditionKey)) !== undefined,

    resolve(conditionKey, principal, read) {
      return write(async (ctx) => {
        const resolved = await writes.resolve(ctx, conditionKey);
        if (resolved === undefined) throw new AppError('not_found', `no active notification for condition ${conditionKey}`);
        // An admin may resolve a condition addressed to someone else; `read` applies only to what the caller sees.
        const visible = (await ctx.tx.notifications.get(resolved.id, principal.id)) !== undefined;
        if (visible && read && (await ctx.tx.notifications.setRead(resolved.id, principal.id, true, now().toISOString()))) {
          const data = await mustSee(ctx.tx, resolved.id, principal.id);
          await ctx.emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'updated', data, audience: principal.id });
        }
        const notification = (await ctx.tx.notifications.get(resolved.id, principal.id)) ?? freshView(resolved);
        return { notification, unreadCount: await ctx.tx.notifications.unreadCount(principal.id) };
      });
    },

    setRead(id, principal, read) {
      return write(async ({ tx, emit }) => {
        await mustSee(tx, id, principal.id);
        const changed = await tx.notifications.setRead(id, principal.id, read, now().toISOString());
        const notification = await mustSee(tx, id, principal.id);
        if (changed) await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'updated', data: notification, audience: principal.id });
        return { notification, unreadCount: await tx.notifications.unreadCount(principal.id) };
      });
    },

    markAllRead(principal, before) {
      return write(async ({ tx, emit }) => {
        const count = await tx.notifications.markAllRead(principal.id, before, now().toISOString());
        if (count > 0) await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'all_read', data: { before, count }, audience: principal.id });
        return { count, unreadCount: await tx.notifications.unreadCount(principal.id) };
      });
    },

    delete(id, principal) {
      return write(async (ctx) => {
        const seen = await mustSee(ctx.tx, id, principal.id);
        await writes.appendDeleted(ctx, seen, 'deleted');
      });
    },
  };
}

type ReadSide = Pick<NotificationService, 'list' | 'get' | 'unreadCountAt' | 'filterCountsAt' | 'snapshot'>;

function createReadSide(store: Store, now: () => Date): ReadSide {
  return {
    list: (principal, query) => store.read((tx) => tx.notifications.list({ user: principal.id, ...query, now: now().toISOString() })),

    get: (id, principal) => store.read((tx) => mustSee(tx, id, principal.id)),

    unreadCountAt: (user) =>
      store.read(async (tx) => ({ count: await tx.notifications.unreadCount(user), offset: (await tx.position(NOTIFICATIONS_TOPIC)).offset })),

    filterCountsAt: (user, filters) =>
      store.read(async (tx) => {
        const at = now().toISOString();
        const counts: number[] = [];
        for (const filter of filters) counts.push(await tx.notifications.countUnread(user, filter, at));
        return { counts, offset: (await tx.position(NOTIFICATIONS_TOPIC)).offset };
      }),

    snapshot(principal, limit, filters) {
      return store.read(async (tx) => {
        // The default view: archived and snoozed notifications stay out (they come back by event).
        const at = now().toISOString();
        const page = await tx.notifications.list({ user: principal.id, limit, unreadOnly: false, filter: { state: 'inbox' }, now: at });
        const counts: number[] = [];
        for (const filter of filters) counts.push(await tx.notifications.countUnread(principal.id, filter, at));
        return {
          data: { notifications: page.notifications, unread_count: page.unreadCount, counts },
          position: await tx.position(NOTIFICATIONS_TOPIC),
        };
      });
    },
  };
}
