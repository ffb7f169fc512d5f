/**
 * The panel's tabs (All, Problems, Jobs, Archived): an ARIA tablist over the list (the tabpanel),
 * each tab with its live unread count, ←/→/Home/End moving between tabs (and selecting, as
 * the focus moves), one tab in the Tab order.
 */
import { byId, h } from './dom.js';
import { TAB_NAMES, type TabName } from './inbox.js';

const LABELS: Record<TabName, string> = { all: 'All', problems: 'Problems', jobs: 'Jobs', archived: 'Archived' };

export interface InboxTabs {
  render(selected: TabName, counts: Readonly<Record<string, number>> | null): void;
  /** Focuses the selected tab. */
  focus(): void;
}

export function createInboxTabs(onSelect: (tab: TabName) => void): InboxTabs {
  const list = byId('inbox-tabs');
  const tabpanel = byId('panel-body');
  const counts = new Map<TabName, HTMLSpanElement>();
  const tabs = TAB_NAMES.map((name) => {
    const count = h('span', { class: 'tab-count' });
    counts.set(name, count);
    const tab = h(
      'button',
      { type: 'button', role: 'tab', id: `inbox-tab-${name}`, 'data-tab': name, 'aria-controls': 'panel-body' },
      LABELS[name],
      ' ',
      count,
    );
    tab.addEventListener('click', () => onSelect(name));
    return tab;
  });
  list.replaceChildren(...tabs);
  tabpanel.setAttribute('role', 'tabpanel');

  list.addEventListener('keydown', (event) => {
    const at = tabs.indexOf(document.activeElement as HTMLButtonElement);
    const moves: Record<string, number> = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 };
    const to = moves[event.key];
    if (to === undefined || at === -1) return;
    event.preventDefault();
    // Home/End would otherwise move between the list's rows (panel.ts).
    event.stopPropagation();
    const next = tabs[(to + tabs.length) % tabs.length];
    next?.focus();
    if (next !== undefined) onSelect(next.dataset.tab as TabName);
  });

  return {
    render(selected, values) {
      for (const tab of tabs) {
        const name = tab.dataset.tab as TabName;
        const on = name === selected;
        // Only what changed: writing tabIndex, even the same value, makes Chromium update style and
        // layout at once (focusability), and this runs on every live event: a burst of 120 events
        // took 1.9 s of a tab's main thread with the panel open, and a new tab waited behind it.
        const selectedText = String(on);
        const tabIndex = on ? 0 : -1;
        if (tab.getAttribute('aria-selected') !== selectedText) tab.setAttribute('aria-selected', selectedText);
        if (tab.tabIndex !== tabIndex) tab.tabIndex = tabIndex;
        const n = values?.[name];
        const count = counts.get(name);
        if (count === undefined) continue;
        // "3" on screen; "3 unread" for a screen reader; nothing while unknown.
        const text = n === undefined ? '' : String(n);
        if (count.dataset.count !== text) {
          count.dataset.count = text;
          count.replaceChildren(...(text === '' ? [] : [text, h('span', { class: 'sr-only' }, ' unread')]));
        }
      }
      const labelledBy = `inbox-tab-${selected}`;
      if (tabpanel.getAttribute('aria-labelledby') !== labelledBy) tabpanel.setAttribute('aria-labelledby', labelledBy);
    },
    focus() {
      tabs.find((t) => t.getAttribute('aria-selected') === 'true')?.focus();
    },
  };
}
