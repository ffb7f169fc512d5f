/**
 * One user's view state of notifications: seen, archived, snoozed (read stays in notifications.ts
 * as before), snoozes ending, and bulk read/archive by filter. Every change that changes something
 * appends one event for that user only, in the transaction of the change.
 */
import type { Principal } from '../auth/principal.js';
import type { Notification, NotificationAction, NotificationFilter } from '../protocol/index.js';
import { AppError, validationError } from '../shared/errors.js';
import type { StatePatch, StoreTx } from '../store/types.js';
import { NOTIFICATIONS_TOPIC } from './notification-writes.js';
import type { Writer } from './tx.js';

/** A change of one user's view state. */
export type StateChange =
  | { readonly kind: 'seen' }
  | { readonly kind: 'archive' }
  | { readonly kind: 'unarchive' }
  | { readonly kind: 'snooze'; readonly until: string }
  | { readonly kind: 'unsnooze' };

const ACTION_OF: Readonly<Record<StateChange['kind'], NotificationAction>> = {
  seen: 'seen',
  archive: 'archived',
  unarchive: 'unarchived',
  snooze: 'snoozed',
  unsnooze: 'unsnoozed',
};

/** Most notifications one bulk call may change; beyond it the call changes nothing and says so. */
export const BULK_MAX = 500;
/** Most ids in one `seen` call. */
export const SEEN_MAX_IDS = 100;
/** Snoozes ended per transaction of the snooze sweep. */
const SNOOZE_BATCH = 500;

export async function mustSee(tx: StoreTx, id: string, user: string): Promise<Notification> {
  const found = await tx.notifications.get(id, user);
  if (found === undefined) throw new AppError('not_found', `notification ${id} not found`);
  return found;
}

function patchOf(change: StateChange, at: string): StatePatch {
  switch (change.kind) {
    case 'seen':
      return { seen_at: at };
    case 'archive':
      return { archived_at: at };
    case 'unarchive':
      return { archived_at: null };
    case 'snooze':
      return { snoozed_until: change.until };
    case 'unsnooze':
      return { snoozed_until: null };
  }
}

export interface NotificationStates {
  change(ids: readonly string[], principal: Principal, change: StateChange): Promise<{ notifications: Notification[]; unreadCount: number }>;
  /** Ends every snooze due now, each pushed to its user as `unsnoozed`; returns how many. */
  endSnoozes(): Promise<number>;
  bulk(principal: Principal, op: 'read' | 'archive', filter: NotificationFilter, before: string | null): Promise<{ count: number; unreadCount: number }>;
}

export function createNotificationStates(write: Writer, now: () => Date): NotificationStates {
  return {
    change(ids, principal, change) {
      if (ids.length > SEEN_MAX_IDS) throw validationError([{ field: 'ids', message: `must hold at most ${SEEN_MAX_IDS} ids, got ${ids.length}` }]);
      if (change.kind === 'snooze' && change.until <= now().toISOString()) throw validationError([{ field: 'until', message: 'must be in the future' }]);
      return write(async ({ tx, emit }) => {
        const at = now().toISOString();
        const notifications: Notification[] = [];
        for (const id of ids) {
          await mustSee(tx, id, principal.id);
          const changed = await tx.notifications.setState(id, principal.id, patchOf(change, at));
          const notification = await mustSee(tx, id, principal.id);
          if (changed)
            await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: ACTION_OF[change.kind], data: notification, audience: principal.id });
          notifications.push(notification);
        }
        return { notifications, unreadCount: await tx.notifications.unreadCount(principal.id) };
      });
    },

    async endSnoozes() {
      let total = 0;
      for (;;) {
        const ended = await write(async ({ tx, emit }) => {
          const due = await tx.notifications.endSnoozes(now().toISOString(), SNOOZE_BATCH);
          for (const { id, user } of due) {
            const notification = await tx.notifications.get(id, user);
            if (notification !== undefined)
              await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action: 'unsnoozed', data: notification, audience: user });
          }
          return due.length;
        });
        total += ended;
        if (ended < SNOOZE_BATCH) return total;
      }
    },

    bulk(principal, op, filter, before) {
      return write(async ({ tx, emit }) => {
        const at = now().toISOString();
        const ids = await tx.notifications.bulkTargets(principal.id, op, filter, before ?? at, at, BULK_MAX + 1);
        if (ids.length > BULK_MAX) {
          throw new AppError('validation_failed', `more than ${BULK_MAX} notifications match; pass an earlier "before" or a narrower filter`, [
            { field: 'before', message: `more than ${BULK_MAX} notifications match` },
          ]);
        }
        for (const id of ids) {
          if (op === 'read') await tx.notifications.setRead(id, principal.id, true, at);
          else await tx.notifications.setState(id, principal.id, { archived_at: at });
        }
        if (ids.length > 0) {
          const action = op === 'read' ? 'bulk_read' : 'bulk_archived';
          await emit({ topic: NOTIFICATIONS_TOPIC, type: 'notification', action, data: { ids, count: ids.length }, audience: principal.id });
        }
        return { count: ids.length, unreadCount: await tx.notifications.unreadCount(principal.id) };
      });
    },
  };
}
