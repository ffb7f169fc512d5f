/**
 * The notification panel: its tabs (inbox-tabs.ts), its list (panel-list.ts: keyed rendering,
 * focus, arrows/Home/End), each row's tools (item-tools.ts: archive, snooze, actions), the
 * "N new" marker, empty state, paging on scroll, the mark-all button, and Escape to close.
 */
import { byId } from './dom.js';
import type { InboxState, TabName } from './inbox.js';
import { createInboxTabs } from './inbox-tabs.js';
import { refreshTimes } from './item.js';
import type { RowContext } from './item-tools.js';
import { createPanelList } from './panel-list.js';

/** A row tool used: `archive`/`unarchive`, `snooze` (value: the menu's choice), `action` (value: its index). */
export interface RowOp {
  readonly op: 'archive' | 'unarchive' | 'snooze' | 'action';
  readonly id: string;
  readonly value: string;
}

export interface PanelHandlers {
  readonly onActivate: (id: string) => void;
  readonly onDelete: (id: string) => void;
  readonly onMarkAll: () => void;
  readonly onNearEnd: () => void;
  readonly onClose: () => void;
  readonly onTab: (tab: TabName) => void;
  readonly onOp: (op: RowOp) => void;
}

export interface PanelView {
  render(state: InboxState, loading: boolean, context: (id: string) => RowContext): void;
  open(): void;
  close(): void;
  isOpen(): boolean;
  /** The list is scrolled to (within a row of) its end. */
  atEnd(): boolean;
  tick(): void;
}

/** What an empty tab says. */
const EMPTY_TEXT: Record<TabName, string> = {
  all: "You're all caught up: no notifications.",
  problems: 'No problems: nothing needs attention.',
  jobs: 'No notifications about jobs.',
  archived: 'Nothing archived.',
};

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
  const tabs = createInboxTabs(handlers.onTab);

  list.addEventListener('change', (event) => {
    const select = event.target as HTMLSelectElement;
    if (select.dataset.op !== 'snooze' || select.value === '' || select.dataset.id === undefined) return;
    handlers.onOp({ op: 'snooze', id: select.dataset.id, value: select.value });
  });
  list.addEventListener('click', (event) => {
    const tool = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-op]');
    if (tool !== null) {
      const op = tool.dataset.op as RowOp['op'];
      handlers.onOp({ op, id: tool.dataset.id ?? '', value: tool.dataset.index ?? '' });
      return;
    }
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
    } else if ((event.target as HTMLElement).tagName === 'SELECT') {
      // The snooze menu's own arrow keys.
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
  const atEnd = (): boolean => scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 48;
  scroller.addEventListener('scroll', () => {
    if (atEnd()) handlers.onNearEnd();
  });

  return {
    render(state, loading, context) {
      tabs.render(state.tab, state.tabCounts);
      rows.render(state, context);
      empty.hidden = state.items.length > 0 || loading;
      empty.textContent = EMPTY_TEXT[state.tab];
      markAll.disabled = state.unreadCount === 0;
      more.hidden = state.nextCursor === null;
      more.disabled = loading;
      marker.hidden = state.newIds.size === 0;
      marker.textContent = `${state.newIds.size} new`;
      listStatus.textContent = loading ? 'Loading…' : '';
    },
    open() {
      panel.hidden = false;
      const first = rows.mains()[0];
      if (first !== undefined) first.focus();
      else tabs.focus();
    },
    close() {
      panel.hidden = true;
    },
    isOpen: () => !panel.hidden,
    atEnd,
    tick() {
      refreshTimes(list, now());
    },
  };
}
