/**
 * The notification panel: its list (panel-list.ts: keyed rendering, focus, arrows/Home/End), the
 * "N new" marker, empty state, paging on scroll, the mark-all button, and Escape to close.
 */
import { byId } from './dom.js';
import type { InboxState } from './inbox.js';
import { refreshTimes } from './item.js';
import { createPanelList } from './panel-list.js';

export interface PanelHandlers {
  readonly onActivate: (id: string) => void;
  readonly onDelete: (id: string) => void;
  readonly onMarkAll: () => void;
  readonly onNearEnd: () => void;
  readonly onClose: () => void;
}

export interface PanelView {
  render(state: InboxState, loading: boolean): void;
  open(): void;
  close(): void;
  isOpen(): boolean;
  tick(): void;
}

export function createPanel(handlers: PanelHandlers, now: () => number = Date.now): PanelView {
  const panel = byId('panel');
  const scroller = byId('panel-body');
  const list = byId('list');
  const empty = byId('empty');
  const marker = byId<HTMLButtonElement>('new-marker');
  const markAll = byId<HTMLButtonElement>('mark-all');
  const more = byId<HTMLButtonElement>('load-more');
  const listStatus = byId('list-status');
  const rows = createPanelList(list, now);

  list.addEventListener('click', (event) => {
    const target = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-id]');
    const id = target?.dataset.id;
    if (target === null || id === undefined) return;
    if (target.classList.contains('delete')) handlers.onDelete(id);
    else handlers.onActivate(id);
  });
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      handlers.onClose();
    } else if (['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key) && rows.moveFocus(event.key)) {
      event.preventDefault();
    }
  });
  markAll.addEventListener('click', handlers.onMarkAll);
  more.addEventListener('click', handlers.onNearEnd);
  marker.addEventListener('click', () => {
    scroller.scrollTop = 0;
    rows.mains()[0]?.focus();
  });
  scroller.addEventListener('scroll', () => {
    if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 48) handlers.onNearEnd();
  });

  return {
    render(state, loading) {
      rows.render(state);
      empty.hidden = state.items.length > 0 || loading;
      markAll.disabled = state.unreadCount === 0;
      more.hidden = state.nextCursor === null;
      more.disabled = loading;
      marker.hidden = state.newIds.size === 0;
      marker.textContent = `${state.newIds.size} new`;
      listStatus.textContent = loading ? 'Loading…' : '';
    },
    open() {
      panel.hidden = false;
      (rows.mains()[0] ?? byId('panel-title')).focus();
    },
    close() {
      panel.hidden = true;
    },
    isOpen: () => !panel.hidden,
    tick() {
      refreshTimes(list, now());
    },
  };
}
