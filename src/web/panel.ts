/**
 * The notification panel: keyed list rendering, "N new" marker, empty state, paging on scroll,
 * and keyboard use (arrows/Home/End move between items, Escape closes).
 */
import { byId } from './dom.js';
import type { InboxState } from './inbox.js';
import { refreshTimes, renderRow, rowKey } from './item.js';

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
  const rows = new Map<string, { key: string; li: HTMLLIElement }>();

  function mains(): HTMLButtonElement[] {
    return [...list.querySelectorAll<HTMLButtonElement>('.item-main')];
  }

  function moveFocus(key: string): boolean {
    const buttons = mains();
    if (buttons.length === 0) return false;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = key === 'Home' ? 0 : key === 'End' ? buttons.length - 1 : key === 'ArrowDown' ? Math.min(at + 1, buttons.length - 1) : Math.max(at - 1, 0);
    buttons[next]?.focus();
    return true;
  }

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
    } else if (['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key) && moveFocus(event.key)) {
      event.preventDefault();
    }
  });
  markAll.addEventListener('click', handlers.onMarkAll);
  more.addEventListener('click', handlers.onNearEnd);
  marker.addEventListener('click', () => {
    scroller.scrollTop = 0;
    mains()[0]?.focus();
  });
  scroller.addEventListener('scroll', () => {
    if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 48) handlers.onNearEnd();
  });

  return {
    render(state, loading) {
      const active = document.activeElement as HTMLElement | null;
      const focusedId = active !== null && list.contains(active) ? active.closest('li')?.dataset.id : undefined;
      const focusedDelete = active?.classList.contains('delete') ?? false;
      const nowMs = now();
      const lis = state.items.map((n) => {
        const isNew = state.newIds.has(n.id);
        const key = rowKey(n, isNew);
        const row = rows.get(n.id);
        if (row !== undefined && row.key === key) return row.li;
        const li = renderRow(n, isNew, nowMs);
        rows.set(n.id, { key, li });
        return li;
      });
      for (const id of rows.keys()) if (!state.items.some((n) => n.id === id)) rows.delete(id);
      list.replaceChildren(...lis);
      // Re-inserting a row blurs it: give focus back to the same row (or the next one, if deleted).
      if (focusedId !== undefined && !list.contains(document.activeElement)) {
        const row = rows.get(focusedId)?.li.querySelector<HTMLButtonElement>(focusedDelete ? '.delete' : '.item-main');
        (row ?? mains()[0] ?? byId('panel-title')).focus();
      }
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
      (mains()[0] ?? byId('panel-title')).focus();
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
