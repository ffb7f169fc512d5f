/**
 * Writing notifications inside a transaction: a plain insert, a raise of a condition (an upsert:
 * a new notification, or the active one raised again) and a resolve, each with the event that
 * reports it, and the retention deletes a create may bring. Used by the notification service and,
 * through `raise`/`resolveIn`, by the services whose changes raise conditions.
 */
import { timeOrderedId } from '../shared/time-ordered-id.js';
import type { ConditionChange, Notification } from '../protocol/index.js';
import type { StoredNotification } from '../store/types.js';
import type { ValidNotificationInput } from './notification-input.js';
import type { WriteContext } from './tx.js';

export const NOTIFICATIONS_TOPIC = 'notifications';

export function freshView(n: StoredNotification): Notification {
  return {
    id: n.id,
    title: n.title,
    message: n.message,
    level: n.level,
    category: n.category,
    created_at: n.created_at,
    read: false,
    recipient: n.recipient,
    related_entity: n.related_entity,
    metadata: n.metadata,
    condition_key: n.condition_key,
    count: n.count,
    last_seen_at: n.last_seen_at,
    resolved_at: n.resolved_at,
    seen: false,
    archived: false,
    snoozed_until: null,
    actions: n.actions,
  };
}

function conditionChange(n: StoredNotification): ConditionChange {
  return {
    id: n.id,
    condition_key: n.condition_key ?? '',
    count: n.count,
    last_seen_at: n.last_seen_at,
    resolved_at: n.resolved_at,
    message: n.message,
  };
}

export interface NotificationWrites {
  /** Inserts (or, with a condition, raises) and appends the event; `raised` when an active condition was raised again. */
  put(ctx: WriteContext, valid: ValidNotificationInput): Promise<{ notification: Notification; raised: boolean }>;
  /** Resolves the active notification of `conditionKey`; undefined when none is active. */
  resolve(ctx: WriteContext, conditionKey: string): Promise<StoredNotification | undefined>;
  appendDeleted(ctx: WriteContext, n: Pick<StoredNotification, 'id' | 'recipient'>, reason: string): Promise<void>;
}

export function createNotificationWrites(options: { readonly now: () => Date; readonly maxCount: number }): NotificationWrites {
  const { now } = options;

  async function appendDeleted({ tx, emit }: WriteContext, n: Pick<StoredNotification, 'id' | 'recipient'>, reason: string): Promise<void> {
    await tx.notifications.delete(n.id);
    await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'deleted', data: { id: n.id, reason }, audience: n.recipient });
  }

  // The count limit is checked on every create while it is small, and every 1% of it beyond (a
  // probe walks up to `maxCount` index entries), so the table may briefly hold 1% more.
  const probeEvery = Math.max(1, Math.floor(options.maxCount / 100));
  let createdSinceProbe = probeEvery;
  function retentionProbeDue(): boolean {
    createdSinceProbe += 1;
    if (createdSinceProbe < probeEvery) return false;
    createdSinceProbe = 0;
    return true;
  }

  return {
    appendDeleted,

    async put(ctx, valid) {
      const at = now().toISOString();
      // Time-ordered (UUIDv7): a new row's id lands at the end of the id index, not on a random page.
      const fresh: StoredNotification = { id: timeOrderedId(), ...valid, created_at: at, count: 1, last_seen_at: at, resolved_at: null };
      const { stored, created } = valid.condition_key === null ? { stored: fresh, created: true } : await ctx.tx.notifications.raise(fresh);
      if (valid.condition_key === null) await ctx.tx.notifications.insert(fresh);
      if (!created) {
        await ctx.emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'raised', data: conditionChange(stored), audience: stored.recipient });
        return { notification: freshView(stored), raised: true };
      }
      const notification = freshView(stored);
      await ctx.emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'created', data: notification, audience: stored.recipient });
      if (retentionProbeDue()) for (const old of await ctx.tx.notifications.overflow(options.maxCount)) await appendDeleted(ctx, old, 'retention');
      return { notification, raised: false };
    },

    async resolve(ctx, conditionKey) {
      const resolved = await ctx.tx.notifications.resolve(conditionKey, now().toISOString());
      if (resolved === undefined) return undefined;
      await ctx.emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'resolved', data: conditionChange(resolved), audience: resolved.recipient });
      return resolved;
    },
  };
}
