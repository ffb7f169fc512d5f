/** One inbox row: level icon and text, title, message, relative time (absolute in the tooltip). */
import type { Notification, NotificationLevel } from '../protocol/index.js';
import { h } from './dom.js';
import { renderTools, toolsKey, type RowContext } from './item-tools.js';
import { absoluteTime, relativeTime } from './time.js';

const LEVELS: Record<NotificationLevel, { readonly icon: string; readonly text: string }> = {
  info: { icon: 'ℹ', text: 'Info' },
  warning: { icon: '⚠', text: 'Warning' },
  error: { icon: '✖', text: 'Error' },
  success: { icon: '✔', text: 'Success' },
};

/** What a row shows; when it changes the row is rebuilt. */
export function rowKey(n: Notification, isNew: boolean, context: RowContext): string {
  return `${n.id}|${String(n.read)}|${String(isNew)}|${n.title}|${n.message}|${n.level}|${toolsKey(n, context)}`;
}

/** A link to what a notification is about, in the Jobs or Inventory view, when there is one. */
export function relatedLink(n: Notification): HTMLAnchorElement | null {
  const entity = n.related_entity;
  if (entity === null) return null;
  const name = entity.name ?? entity.id;
  if (entity.type === 'job')
    return h('a', { class: 'related', href: `#/jobs/${encodeURIComponent(entity.id)}`, 'aria-label': `View job: ${name}` }, 'View job');
  if (entity.type === 'host' || entity.type === 'vm')
    return h('a', { class: 'related', href: '#/inventory', 'aria-label': `View ${entity.type} ${name} in the inventory` }, 'Inventory');
  return null;
}

export function renderRow(n: Notification, isNew: boolean, nowMs: number, context: RowContext): HTMLLIElement {
  const level = LEVELS[n.level] ?? LEVELS.info;
  const time = h('time', { class: 'time', datetime: n.created_at, title: absoluteTime(n.created_at) }, relativeTime(n.created_at, nowMs));
  const main = h(
    'button',
    { class: 'item-main', type: 'button', 'data-id': n.id },
    h(
      'span',
      { class: `level level-${n.level}` },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, level.icon),
      h('span', { class: 'level-text' }, level.text),
    ),
    h('span', { class: 'title' }, n.title),
    h('span', { class: 'message' }, n.message),
    h('span', { class: 'meta' }, time, n.read ? '' : h('span', { class: 'unread-text' }, 'Unread'), isNew ? h('span', { class: 'new-text' }, 'New') : ''),
  );
  const remove = h('button', { class: 'delete', type: 'button', 'data-id': n.id, 'aria-label': `Delete notification: ${n.title}`, title: 'Delete' }, '✕');
  const classes = ['item', n.read ? 'read' : 'unread', isNew ? 'new' : ''].filter(Boolean).join(' ');
  return h('li', { class: classes, 'data-id': n.id }, main, relatedLink(n) ?? '', remove, renderTools(n, context));
}

/** Refreshes the relative times of rendered rows. */
export function refreshTimes(list: HTMLElement, nowMs: number): void {
  for (const time of list.querySelectorAll('time')) {
    const iso = time.getAttribute('datetime');
    if (iso !== null) time.textContent = relativeTime(iso, nowMs);
  }
}
