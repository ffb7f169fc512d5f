/**
 * The panel's list of notifications: keyed rendering (a row is rebuilt only when what it shows
 * changed), focus kept on the same row across renders, and moving between rows with the keyboard.
 */
import { byId } from './dom.js';
import type { InboxState } from './inbox.js';
import { renderRow, rowKey } from './item.js';
import type { RowContext } from './item-tools.js';

export interface PanelList {
  render(state: InboxState, context: (id: string) => RowContext): void;
  /** Each row's main button, in order. */
  mains(): HTMLButtonElement[];
  /** Moves focus for ArrowDown/ArrowUp/Home/End; false when there is no row to move to. */
  moveFocus(key: string): boolean;
}

/**
 * Puts `lis` in `list` in order, moving only the rows that are not where they belong: a live event
 * moves one row, where replacing every child had Chromium restyle the whole list on each event.
 */
function placeRows(list: HTMLElement, lis: readonly HTMLLIElement[]): void {
  const keep = new Set<Element>(lis);
  for (const child of [...list.children]) if (!keep.has(child)) child.remove();
  lis.forEach((li, i) => {
    const at = list.children[i];
    if (at !== li) list.insertBefore(li, at ?? null);
  });
}

export function createPanelList(list: HTMLElement, now: () => number): PanelList {
  const rows = new Map<string, { key: string; li: HTMLLIElement }>();
  const mains = (): HTMLButtonElement[] => [...list.querySelectorAll<HTMLButtonElement>('.item-main')];

  return {
    render(state, contextOf) {
      const active = document.activeElement as HTMLElement | null;
      const focusedId = active !== null && list.contains(active) ? active.closest('li')?.dataset.id : undefined;
      // The control that had focus, found again in the rebuilt row by its class.
      const focusedClass = active?.classList.contains('delete')
        ? '.delete'
        : active?.dataset.op !== undefined
          ? `[data-op="${active.dataset.op}"]`
          : '.item-main';
      const nowMs = now();
      const lis = state.items.map((n) => {
        const isNew = state.newIds.has(n.id);
        const context = contextOf(n.id);
        const key = rowKey(n, isNew, context);
        const row = rows.get(n.id);
        if (row !== undefined && row.key === key) return row.li;
        const li = renderRow(n, isNew, nowMs, context);
        rows.set(n.id, { key, li });
        return li;
      });
      const shown = new Set(state.items.map((n) => n.id));
      for (const id of rows.keys()) if (!shown.has(id)) rows.delete(id);
      placeRows(list, lis);
      // Re-inserting a row blurs it: give focus back to the same row (or the next one, if deleted),
      // where the reader left the list: focus() alone would scroll that row into view, and every
      // live event or page load would jump a list scrolled away from its focused row back to it.
      if (focusedId !== undefined && !list.contains(document.activeElement)) {
        const row = rows.get(focusedId)?.li.querySelector<HTMLElement>(focusedClass);
        (row ?? mains()[0] ?? byId('panel-title')).focus({ preventScroll: true });
      }
    },
    mains,
    moveFocus(key) {
      const buttons = mains();
      if (buttons.length === 0) return false;
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const next = key === 'Home' ? 0 : key === 'End' ? buttons.length - 1 : key === 'ArrowDown' ? Math.min(at + 1, buttons.length - 1) : Math.max(at - 1, 0);
      buttons[next]?.focus();
      return true;
    },
  };
}
