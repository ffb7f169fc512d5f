/**
 * The controls under one inbox row: a resolved condition's state and count, the notification's
 * action buttons (a job action disabled, with the reason, for a user without the writer role; the
 * job it started shown with its live progress; link actions as links), the snooze menu and
 * archive / unarchive. Every control names its operation in `data-op` for the panel's handlers.
 */
import type { Job, Notification } from '../protocol/index.js';
import { h } from './dom.js';

/** The role that may run job actions (src/auth/roles.ts WRITER_ROLE). */
export const WRITER_ROLE = 'admin';

/** What a row shows beyond its notification: who looks, and the job its action started. */
export interface RowContext {
  /** Whether the user holds the writer role; undefined while unknown (buttons enabled, the server decides). */
  readonly writer: boolean | undefined;
  readonly job?: Job;
  /** Why the last action failed. */
  readonly error?: string;
}

/** The snooze menu's choices: minutes, or `tomorrow` (9:00 local time). */
export const SNOOZE_CHOICES: ReadonlyArray<readonly [string, string]> = [
  ['60', '1 hour'],
  ['240', '4 hours'],
  ['tomorrow', 'Tomorrow 9:00'],
];

/** When a snooze chosen at `nowMs` ends, as ISO-8601. */
export function snoozeUntil(choice: string, nowMs: number): string {
  if (choice !== 'tomorrow') return new Date(nowMs + Number(choice) * 60_000).toISOString();
  const at = new Date(nowMs);
  at.setDate(at.getDate() + 1);
  at.setHours(9, 0, 0, 0);
  return at.toISOString();
}

/** What the tools show, for the row's key. */
export function toolsKey(n: Notification, context: RowContext): string {
  const job = context.job === undefined ? '' : `${context.job.id}@${context.job.status}:${context.job.progress}`;
  return `${String(n.archived)}|${n.count ?? 1}|${n.resolved_at ?? ''}|${String(context.writer)}|${job}|${context.error ?? ''}`;
}

const safeUrl = (url: string | undefined): url is string => url !== undefined && (/^\/(?!\/)/.test(url) || /^https?:\/\//i.test(url));

function condition(n: Notification): Node[] {
  const parts: Node[] = [];
  if ((n.resolved_at ?? null) !== null)
    parts.push(h('span', { class: 'state badge-ok resolved', title: `Resolved ${new Date(n.resolved_at as string).toLocaleString()}` }, '✔ Resolved'));
  if ((n.count ?? 1) > 1)
    parts.push(h('span', { class: 'raised', title: `Raised ${n.count} times` }, `×${n.count} `, h('span', { class: 'sr-only' }, 'times')));
  return parts;
}

function actions(n: Notification, context: RowContext): Node[] {
  const reasonId = `why-${n.id}`;
  const parts: Node[] = [];
  let needsReason = false;
  (n.actions ?? []).forEach((action, index) => {
    if (action.kind === 'link') {
      if (safeUrl(action.url)) parts.push(h('a', { class: 'item-action', href: action.url, rel: 'noopener noreferrer' }, action.label));
      return;
    }
    const reader = context.writer === false;
    needsReason ||= reader;
    const running = context.job !== undefined && (context.job.status === 'pending' || context.job.status === 'running');
    parts.push(
      h(
        'button',
        {
          type: 'button',
          class: 'item-action',
          'data-op': 'action',
          'data-id': n.id,
          'data-index': String(index),
          disabled: reader || running,
          'aria-describedby': reader ? reasonId : undefined,
        },
        action.label,
      ),
    );
  });
  if (needsReason) parts.push(h('span', { id: reasonId, class: 'item-why' }, `Needs the ${WRITER_ROLE} role`));
  const job = context.job;
  if (job !== undefined) {
    const bar = h('progress', { max: '100', value: String(job.progress), 'aria-label': `Progress of ${job.type}` });
    parts.push(h('a', { class: 'item-job', href: `#/jobs/${encodeURIComponent(job.id)}`, 'data-status': job.status }, bar, ` ${job.progress}% ${job.status}`));
  }
  if (context.error !== undefined) parts.push(h('span', { class: 'item-error', role: 'alert' }, context.error));
  return parts;
}

function snoozeMenu(n: Notification): HTMLSelectElement {
  return h(
    'select',
    { class: 'snooze', 'data-op': 'snooze', 'data-id': n.id, 'aria-label': `Snooze notification: ${n.title}` },
    h('option', { value: '' }, 'Snooze…'),
    ...SNOOZE_CHOICES.map(([value, text]) => h('option', { value }, text)),
  );
}

/** The tools under a row: condition state, actions, then snooze and archive. */
export function renderTools(n: Notification, context: RowContext): HTMLDivElement {
  const archived = n.archived === true;
  const archive = h(
    'button',
    {
      type: 'button',
      class: 'link',
      'data-op': archived ? 'unarchive' : 'archive',
      'data-id': n.id,
      'aria-label': `${archived ? 'Unarchive' : 'Archive'} notification: ${n.title}`,
    },
    archived ? 'Unarchive' : 'Archive',
  );
  const manage = h('span', { class: 'item-manage' }, archived ? '' : snoozeMenu(n), archive);
  return h('div', { class: 'item-tools' }, ...condition(n), ...actions(n, context), manage);
}
