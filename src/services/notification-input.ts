/** Validation of notification input from unknown. */
import {
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_LEVELS,
  type NotificationCategory,
  type NotificationLevel,
  type NotificationActionSpec,
  type RelatedEntity,
} from '../protocol/index.js';
import { createChecker, isRecord } from './validate.js';
import { parseActions, type JobCheck } from './notification-actions.js';

export interface CreateNotificationInput {
  readonly title: string;
  readonly message: string;
  readonly level?: NotificationLevel;
  readonly category?: NotificationCategory;
  /** Address it to one user; omit for everyone. */
  readonly recipient?: string | null;
  readonly related_entity?: RelatedEntity | null;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  /** The condition it reports: raising an active one again updates it instead of adding one. */
  readonly condition_key?: string | null;
  /** Buttons: `{label, kind: "job", job_type, parameters?}` or `{label, kind: "link", url}`. */
  readonly actions?: readonly NotificationActionSpec[] | null;
}

export interface ValidNotificationInput {
  readonly title: string;
  readonly message: string;
  readonly level: NotificationLevel;
  readonly category: NotificationCategory;
  readonly recipient: string | null;
  readonly related_entity: RelatedEntity | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly condition_key: string | null;
  readonly actions: readonly NotificationActionSpec[] | null;
}

export const NOTIFICATION_LIMITS = { title: 200, message: 4000, recipient: 200, metadataBytes: 16 * 1024, conditionKey: 200 } as const;

/** A condition key: 1–200 characters from `[A-Za-z0-9._:/@-]` (`host:hv-03:unreachable`). */
export const CONDITION_KEY = /^[A-Za-z0-9._:/@-]{1,200}$/;

/** Validates an optional condition key into `check`. */
export function checkConditionKey(check: ReturnType<typeof createChecker>, field: string, value: unknown, optional: boolean): string | undefined {
  const key = check.string(field, value, { max: NOTIFICATION_LIMITS.conditionKey, optional });
  if (key !== undefined && !CONDITION_KEY.test(key)) check.errors.push({ field, message: 'must be 1–200 characters from A-Z a-z 0-9 . _ : / @ -' });
  return key;
}

function parseRelated(check: ReturnType<typeof createChecker>, value: unknown): RelatedEntity | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) {
    check.errors.push({ field: 'related_entity', message: 'must be an object {type, id, name?}' });
    return null;
  }
  const type = check.string('related_entity.type', value.type, { max: 64 });
  const id = check.string('related_entity.id', value.id, { max: 200 });
  const name = check.string('related_entity.name', value.name, { max: 200, optional: true });
  if (type === undefined || id === undefined) return null;
  return name === undefined ? { type, id } : { type, id, name };
}

/** Validates a create request; throws a validation error listing every bad field. */
export function parseCreateNotification(body: unknown, checkJob?: JobCheck): ValidNotificationInput {
  const check = createChecker();
  if (!isRecord(body)) {
    check.errors.push({ field: 'body', message: 'must be a JSON object' });
    check.done();
  }
  const b = body as Record<string, unknown>;
  const known = new Set(['title', 'message', 'level', 'category', 'recipient', 'related_entity', 'metadata', 'condition_key', 'actions']);
  for (const key of Object.keys(b)) if (!known.has(key)) check.errors.push({ field: key, message: 'is not a known field' });
  const title = check.string('title', b.title, { max: NOTIFICATION_LIMITS.title });
  const message = check.string('message', b.message, { max: NOTIFICATION_LIMITS.message });
  const level = check.oneOf('level', b.level, NOTIFICATION_LEVELS, 'info');
  const category = check.oneOf('category', b.category, NOTIFICATION_CATEGORIES, 'system');
  const recipient = check.string('recipient', b.recipient, { max: NOTIFICATION_LIMITS.recipient, optional: true });
  const related = parseRelated(check, b.related_entity);
  const metadata = check.object('metadata', b.metadata, NOTIFICATION_LIMITS.metadataBytes);
  const conditionKey = checkConditionKey(check, 'condition_key', b.condition_key, true);
  const actions = parseActions(check, b.actions, checkJob);
  check.done();
  return {
    title: title as string,
    message: message as string,
    level: level as NotificationLevel,
    category: category as NotificationCategory,
    recipient: recipient ?? null,
    related_entity: related,
    metadata: metadata ?? null,
    condition_key: conditionKey ?? null,
    actions,
  };
}
