/** The bell: unread badge (capped at 99+, exact count in the label) and the connection dot. */
import type { ConnectionStatus, StatusData } from '../client/index.js';
import { byId } from './dom.js';

export type DotState = 'ws-connected' | 'ws-connecting' | 'ws-reconnecting' | 'ws-disconnected';
const DOT_CLASSES: readonly DotState[] = ['ws-connected', 'ws-connecting', 'ws-reconnecting', 'ws-disconnected'];

const DOT_TITLES: Record<DotState, string> = {
  'ws-connected': 'Live updates: connected',
  'ws-connecting': 'Live updates: connecting',
  'ws-reconnecting': 'Live updates: reconnecting',
  'ws-disconnected': 'Live updates: disconnected',
};

/** The seed's dot: a dial that follows a drop (attempt > 0) stays red, like the wait before it. */
export function dotFor(status: ConnectionStatus, data: StatusData): DotState {
  switch (status) {
    case 'connected':
      return 'ws-connected';
    case 'connecting':
      return (data.attempt ?? 0) > 0 ? 'ws-reconnecting' : 'ws-connecting';
    case 'reconnecting':
      return 'ws-reconnecting';
    case 'disconnected':
    case 'failed':
    case 'auth_failed':
      return 'ws-disconnected';
    default: {
      const never: never = status;
      return never;
    }
  }
}

export function badgeText(count: number): string {
  return count > 99 ? '99+' : String(count);
}

export interface BellView {
  /** `count` unread (the bell's label); the badge shows `unseen`, those the panel has not shown yet. */
  setUnread(count: number, unseen?: number): void;
  setStatus(status: ConnectionStatus, data: StatusData): void;
  setExpanded(open: boolean): void;
  readonly button: HTMLButtonElement;
}

export function createBell(): BellView {
  const button = byId<HTMLButtonElement>('bell');
  const badge = byId('badge');
  const dot = byId('ws-status');
  let shown = '';
  return {
    button,
    setUnread(count, unseen = count) {
      if (`${count}/${unseen}` === shown) return;
      shown = `${count}/${unseen}`;
      button.setAttribute('aria-label', `Notifications, ${count} unread`);
      badge.textContent = unseen > 0 ? badgeText(unseen) : '';
      badge.setAttribute('aria-label', unseen === count ? `${count} unread notifications` : `${unseen} new, ${count} unread notifications`);
      badge.classList.toggle('empty', unseen === 0);
    },
    setStatus(status, data) {
      const state = dotFor(status, data);
      dot.classList.remove(...DOT_CLASSES);
      dot.classList.add(state);
      dot.title = DOT_TITLES[state];
      dot.dataset.status = status;
    },
    setExpanded(open) {
      button.setAttribute('aria-expanded', String(open));
    },
  };
}
