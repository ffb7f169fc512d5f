/**
 * The bell and the inbox panel: the newest notifications of the selected tab over REST first,
 * older pages as the list scrolls, the panel's actions (read, delete, mark all read, the row tools
 * of inbox-tools.ts), opening and closing it (opening marks what it shows seen), and the socket's
 * snapshots and events into the same inbox.
 */
import type { InitialStateMessage, NotificationEventMessage } from '../protocol/index.js';
import type { WsClient } from '../client/index.js';
import type { Api } from './api.js';
import { createBell, type BellView } from './bell.js';
import { byId } from './dom.js';
import { createInbox, SNAPSHOT_SIZE, type Inbox, type InboxState, type TabName } from './inbox.js';
import { createInboxApi, type InboxApi } from './inbox-api.js';
import { createInboxTools } from './inbox-tools.js';
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
function createOpener(panel: PanelView, bell: BellView, inbox: Inbox, onOpen: () => void): (open: boolean, returnFocus: boolean) => void {
  function setOpen(open: boolean, returnFocus: boolean): void {
    if (open === panel.isOpen()) return;
    if (open) {
      panel.open();
      onOpen();
    } else {
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

/** The newest page of the selected tab into `inbox`; false when another tab was selected meanwhile. */
async function loadTab(inbox: Inbox, api: InboxApi): Promise<boolean> {
  const tab = inbox.state().tab;
  const page = await api.list(tab, { limit: SNAPSHOT_SIZE });
  if (inbox.state().tab !== tab) return false;
  inbox.replaceNewest(page.notifications, page.unread_count, page.next_cursor);
  return true;
}

/** A snapshot into the inbox: the default view, the All tab; another tab reloads its own page. */
function applySnapshot(m: InitialStateMessage, inbox: Inbox, inboxApi: InboxApi, fail: Fail): void {
  if (m.data.notifications === undefined) return;
  if (m.data.filter_counts !== undefined) inbox.setTabCounts(m.data.filter_counts);
  if (inbox.state().tab === 'all') inbox.replaceNewest(m.data.notifications, m.data.unread_count ?? 0);
  else loadTab(inbox, inboxApi).catch(fail('Loading the tab'));
}

/** A notification event into the inbox; a bulk archive (its ids are all it says) reloads the Archived tab when shown. */
function applyLive(m: NotificationEventMessage, inbox: Inbox, inboxApi: InboxApi, open: boolean, fail: Fail): void {
  inbox.applyEvent(m, open);
  if (m.action === 'bulk_archived' && inbox.state().tab === 'archived') loadTab(inbox, inboxApi).catch(fail('Loading the tab'));
}

/**
 * After a render: the open list still at its end with more to load (the scroll came while a page
 * was loading and was ignored, or a render moved the list under it) asks for its next page without
 * waiting for another scroll; once per cursor, so a page that fails is not asked for in a loop.
 */
function endWatch(panel: () => PanelView, loadMore: () => void): (state: InboxState, loading: boolean) => void {
  let asked: string | null = null;
  return (state, loading) => {
    if (loading || state.nextCursor === null || state.nextCursor === asked || !panel().isOpen() || !panel().atEnd()) return;
    asked = state.nextCursor;
    queueMicrotask(loadMore);
  };
}

export function createNotificationsUi(api: Api, client: WsClient, fail: Fail): NotificationsUi {
  const inbox = createInbox();
  const bell = createBell();
  const inboxApi = createInboxApi();
  const tools = createInboxTools(inboxApi, inbox, client, () => render());
  let loading = true;
  const stillAtEnd = endWatch(() => panel, loadMore);

  function render(): void {
    const state = inbox.state();
    bell.setUnread(state.unreadCount, state.unseenCount);
    panel.render(state, loading, tools.context);
    stillAtEnd(state, loading);
  }

  /** Says "Loading…" while `work` runs (it handles its own failure). */
  function whileLoading(work: Promise<unknown>): void {
    loading = true;
    render();
    void work.finally(() => {
      loading = false;
      render();
    });
  }

  function selectTab(tab: TabName): void {
    if (tab === inbox.state().tab) return;
    inbox.setTab(tab);
    const load = loadTab(inbox, inboxApi).then((current) => {
      if (current && panel.isOpen()) tools.markShownSeen();
    }, fail('Loading the tab'));
    whileLoading(load);
  }

  function loadMore(): void {
    const { nextCursor: cursor, tab } = inbox.state();
    if (loading || cursor === null) return;
    const load = inboxApi.list(tab, { limit: PAGE_SIZE, cursor }).then((page) => {
      if (inbox.state().tab === tab) inbox.appendPage(page);
    }, fail('Loading more'));
    whileLoading(load);
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
    onTab: selectTab,
    onOp: (op) => tools.run(op),
  });
  const setOpen = createOpener(panel, bell, inbox, () => tools.markShownSeen());

  inbox.onChange(render);
  client.on('initial_state', (m) => applySnapshot(m, inbox, inboxApi, fail));
  client.onConnectionStatus((status) => {
    if (status === 'connected') tools.loadRoles();
  });
  client.on('notification', (m) => applyLive(m, inbox, inboxApi, panel.isOpen(), fail));
  return {
    bell,
    async loadNewest() {
      const polledWhile = client.getStatus();
      const tab = inbox.state().tab;
      const [page, counts] = await Promise.all([inboxApi.list(tab, { limit: SNAPSHOT_SIZE }), inboxApi.tabCounts()]);
      // A socket that came up meanwhile has sent a fresher snapshot: do not overwrite it.
      if ((client.getStatus() === 'connected' && polledWhile !== 'connected') || inbox.state().tab !== tab) return;
      inbox.setTabCounts(counts);
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
