/**
 * The bell and the inbox panel: the newest notifications over REST first, older pages as the list
 * scrolls, the panel's actions (read, delete, mark all read), opening and closing it, and the
 * socket's snapshots and events into the same inbox.
 */
import type { WsClient } from '../client/index.js';
import type { Api } from './api.js';
import { createBell, type BellView } from './bell.js';
import { byId } from './dom.js';
import { createInbox, SNAPSHOT_SIZE, type Inbox } from './inbox.js';
import { createPanel, type PanelView } from './panel.js';

const PAGE_SIZE = 20;

/** Reports a failed promise on the page: `fail('Deleting')` handles its rejection as "Deleting failed: …". */
export type Fail = (what: string) => (error: unknown) => void;

export interface NotificationsUi {
  readonly bell: BellView;
  /** Loads the newest page over REST, unless a socket that came up meanwhile sent a fresher snapshot. */
  loadNewest(): Promise<void>;
  /** The first load is over (done, failed or not needed): the list stops saying "Loading…". */
  loaded(): void;
  render(): void;
  /** Refreshes the relative times ("3 min ago"). */
  tick(): void;
}

/** Opens and closes the panel: the bell toggles it; following a link or clicking elsewhere closes it. */
function createOpener(panel: PanelView, bell: BellView, inbox: Inbox): (open: boolean, returnFocus: boolean) => void {
  function setOpen(open: boolean, returnFocus: boolean): void {
    if (open === panel.isOpen()) return;
    if (open) panel.open();
    else {
      panel.close();
      inbox.clearNew();
      if (returnFocus) bell.button.focus();
    }
    bell.setExpanded(open);
  }
  bell.button.addEventListener('click', () => setOpen(!panel.isOpen(), false));
  // Following a link to a job or the inventory leaves the panel.
  addEventListener('hashchange', () => setOpen(false, false));
  document.addEventListener('click', (event) => {
    const target = event.target as Node;
    if (panel.isOpen() && !byId('panel').contains(target) && !bell.button.contains(target)) setOpen(false, false);
  });
  return setOpen;
}

export function createNotificationsUi(api: Api, client: WsClient, fail: Fail): NotificationsUi {
  const inbox = createInbox();
  const bell = createBell();
  let loading = true;

  function render(): void {
    const state = inbox.state();
    bell.setUnread(state.unreadCount);
    panel.render(state, loading);
  }

  function loadMore(): void {
    const cursor = inbox.state().nextCursor;
    if (loading || cursor === null) return;
    loading = true;
    render();
    api
      .list({ limit: PAGE_SIZE, cursor })
      .then(inbox.appendPage, fail('Loading more'))
      .finally(() => {
        loading = false;
        render();
      });
  }

  const panel = createPanel({
    onActivate(id) {
      const item = inbox.state().items.find((n) => n.id === id);
      if (item !== undefined && !item.read) api.markRead(id).then(inbox.upsert, fail('Marking read'));
    },
    onDelete: (id) => void api.remove(id).then(() => inbox.remove(id), fail('Deleting')),
    onMarkAll() {
      const newest = inbox.state().items[0]?.created_at ?? null;
      api.markAllRead(newest).then((r) => inbox.markAllRead(newest, r.unread_count), fail('Marking all read'));
    },
    onNearEnd: loadMore,
    onClose: () => setOpen(false, true),
  });
  const setOpen = createOpener(panel, bell, inbox);

  inbox.onChange(render);
  client.on('initial_state', (m) => {
    if (m.data.notifications !== undefined) inbox.replaceNewest(m.data.notifications, m.data.unread_count ?? 0);
  });
  client.on('notification', (m) => inbox.applyEvent(m, panel.isOpen()));
  return {
    bell,
    async loadNewest() {
      const polledWhile = client.getStatus();
      const page = await api.list({ limit: SNAPSHOT_SIZE });
      // A socket that came up meanwhile has sent a fresher snapshot: do not overwrite it.
      if (client.getStatus() === 'connected' && polledWhile !== 'connected') return;
      inbox.replaceNewest(page.notifications, page.unread_count, page.next_cursor);
    },
    loaded() {
      loading = false;
      render();
    },
    render,
    tick: () => panel.tick(),
  };
}
